package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// The slot plan of an election: how many slots each party or pool has per
// polling station × task type × day (a cell). A slot is a row in slots. Every
// change bumps elections.plan_version in its transaction and is refused with
// models.ErrStale when the form it came from showed an older version. A slot that
// has ever had a person on it (any assignment row) is never deleted nor
// moved; the foreign key from assignments protects it as well.

// LoadPlan reads an election's plan. Staff and read-only staff; party
// secretaries see their own slots in the overview, not the plan.
func LoadPlan(ctx context.Context, db *gorm.DB, actor models.User, electionID int64) (models.Plan, error) {
	var p models.Plan
	if !mayReadAllParties(actor) {
		return p, models.ErrForbidden
	}
	db = db.WithContext(ctx)
	if err := db.First(&p.Election, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return p, models.ErrNotFound
	} else if err != nil {
		return p, err
	}
	p.Days = p.Election.TaskDays()
	if err := db.Find(&p.Stations).Error; err != nil {
		return p, err
	}
	models.SortStations(p.Stations)
	if err := withTaskTypes(db, p.Stations); err != nil {
		return p, err
	}
	if err := db.Find(&p.TaskTypes).Error; err != nil {
		return p, err
	}
	models.SortDanish(p.TaskTypes, func(t models.TaskType) string { return t.Name })
	var err error
	if p.Groups, p.Pools, p.Valggrupper, err = loadParties(db); err != nil {
		return p, err
	}
	var rows []struct {
		models.PlanCell
		PartyID                   int64
		Slots, Held, Used, Agreed int
	}
	err = db.Raw(`SELECT s.station_id, s.task_type_id, s.day, s.party_id, COUNT(*) AS slots,
	SUM(CASE WHEN s.by_agreement THEN 1 ELSE 0 END) AS agreed,
	SUM(CASE WHEN h.slot_id IS NULL THEN 0 ELSE 1 END) AS held,
	SUM(CASE WHEN u.slot_id IS NULL THEN 0 ELSE 1 END) AS used
FROM slots s
LEFT JOIN (SELECT DISTINCT slot_id FROM assignments WHERE election_id = ? AND state IN ?) h ON h.slot_id = s.id
LEFT JOIN (SELECT DISTINCT slot_id FROM assignments WHERE election_id = ?) u ON u.slot_id = s.id
WHERE s.election_id = ?
GROUP BY s.station_id, s.task_type_id, s.day, s.party_id`, electionID, holdingStates, electionID, electionID).Scan(&rows).Error
	if err != nil {
		return p, err
	}
	p.Cells = map[models.PlanCell]map[int64]models.PartyCount{}
	for _, r := range rows {
		if p.Cells[r.PlanCell] == nil {
			p.Cells[r.PlanCell] = map[int64]models.PartyCount{}
		}
		p.Cells[r.PlanCell][r.PartyID] = models.PartyCount{Slots: r.Slots, Held: r.Held, Used: r.Used, Agreed: r.Agreed}
	}
	return p, nil
}

// loadParties returns the council groups (most seats first, then by letter
// and name), the pools
// (by name) and the valggrupper's names.
func loadParties(db *gorm.DB) (groups, pools []models.Party, valggrupper map[int64]string, err error) {
	var all []models.Party
	if err = db.Find(&all).Error; err != nil {
		return
	}
	models.SortDanish(all, func(p models.Party) string { return p.Letter + "\x00" + p.Name })
	for _, p := range all {
		if p.Kind == models.Pool {
			pools = append(pools, p)
		} else {
			groups = append(groups, p)
		}
	}
	// The council's own order: the most seats first.
	slices.SortStableFunc(groups, func(a, b models.Party) int { return cmp.Compare(b.CouncilSeats, a.CouncilSeats) })
	var vs []models.Valggruppe
	if err = db.Find(&vs).Error; err != nil {
		return
	}
	valggrupper = map[int64]string{}
	for _, v := range vs {
		valggrupper[v.ID] = v.Name
	}
	return
}

// slotRow is one slot with whether anyone is or was on it.
type slotRow struct {
	ID          int64
	StationID   int64
	PartyID     int64
	ByAgreement bool
	Held, Used  bool
}

// planTx runs change in a transaction that first raises the election's plan
// version from version (models.ErrStale if it is no longer that, models.ErrNotFound if
// the election is gone) and then reads the election as it now is. The
// update locks the election row, so plan changes of one election run one
// at a time.
func planTx(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, version int, now time.Time,
	change func(tx *gorm.DB, e models.Election) error) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Election{}).Where("id = ? AND plan_version = ?", electionID, version).
			Updates(map[string]any{"plan_version": gorm.Expr("plan_version + 1"), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			var n int64
			if err := tx.Model(&models.Election{}).Where("id = ?", electionID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return models.ErrNotFound
			}
			return models.ErrStale
		}
		var e models.Election
		if err := tx.First(&e, electionID).Error; err != nil {
			return err
		}
		if e.State == models.ElectionClosed {
			return models.Refuse("error.plan.closed")
		}
		return change(tx, e)
	})
}

// checkPlanCell refuses a cell whose station or task type does not exist or
// whose day is not one of the election's task days.
func checkPlanCell(tx *gorm.DB, e models.Election, taskTypeID int64, day models.Date, stationIDs []int64) error {
	if !slices.Contains(e.TaskDays(), day) {
		return models.Refuse("error.plan.notataskday", day)
	}
	var n int64
	if err := tx.Model(&models.TaskType{}).Where("id = ?", taskTypeID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return models.RefuseField("task_type_id", "error.tasktype.unknown")
	}
	if len(stationIDs) == 0 {
		return nil
	}
	if err := tx.Model(&models.PollingStation{}).Where("id IN ?", stationIDs).Count(&n).Error; err != nil {
		return err
	}
	if int(n) != len(uniq(stationIDs)) {
		return models.Refuse("error.station.oneunknown")
	}
	return nil
}

// refuseNotOffered refuses slots of a task type at a work location that
// does not do it. Only the stations that are to get slots are passed: a
// work location's old slots of a task type it no longer has can still be
// removed.
func refuseNotOffered(tx *gorm.DB, taskTypeID int64, stationIDs []int64) error {
	if len(stationIDs) == 0 {
		return nil
	}
	var stations []models.PollingStation
	if err := tx.Where("id IN ? AND kind = ?", uniq(stationIDs), models.KindWorkLocation).Find(&stations).Error; err != nil {
		return err
	}
	if err := withTaskTypes(tx, stations); err != nil {
		return err
	}
	models.SortStations(stations)
	for _, st := range stations {
		if !st.Offers(taskTypeID) {
			return models.Refuse("error.plan.notatworklocation", st.Name)
		}
	}
	return nil
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// cellSlots reads the slots of a task type on a day at the given stations,
// locking them on PostgreSQL, so an assignment being made to one of them
// meanwhile is waited for and then seen.
func cellSlots(tx *gorm.DB, electionID, taskTypeID int64, day models.Date, stationIDs []int64) (map[int64][]slotRow, error) {
	var ids []int64
	q := tx.Model(&models.Slot{}).Where("election_id = ? AND task_type_id = ? AND day = ? AND station_id IN ?",
		electionID, taskTypeID, day, stationIDs)
	if DialectOf(tx) == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	var rows []slotRow
	if len(ids) > 0 {
		err := tx.Raw(`SELECT s.id, s.station_id, s.party_id, s.by_agreement,
	EXISTS (SELECT 1 FROM assignments a WHERE a.slot_id = s.id AND a.state IN ?) AS held,
	EXISTS (SELECT 1 FROM assignments a WHERE a.slot_id = s.id) AS used
FROM slots s WHERE s.id IN ? ORDER BY s.id`, holdingStates, ids).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
	}
	out := map[int64][]slotRow{}
	for _, r := range rows {
		out[r.StationID] = append(out[r.StationID], r)
	}
	return out, nil
}

// cellPlan is what one cell should become for some parties.
type cellPlan struct {
	stationID int64
	target    map[int64]int // party → slots
	agreed    bool          // new slots, and every slot of the cell, by agreement
	release   bool          // clear by_agreement on every slot of the cell
}

// applyCells makes each cell hold its target counts: it adds slots and
// removes empty ones (the newest first). Removing a slot someone holds or
// held is refused with a models.PlanRefused naming how many; removing empty slots
// needs confirm. It returns the slots added and removed.
func applyCells(tx *gorm.DB, e models.Election, taskTypeID int64, day models.Date, cells []cellPlan, confirm bool, names func(station, party int64) string, now time.Time) (added, removed int, err error) {
	stationIDs := make([]int64, len(cells))
	for i, c := range cells {
		stationIDs[i] = c.stationID
	}
	if err := checkPlanCell(tx, e, taskTypeID, day, stationIDs); err != nil {
		return 0, 0, err
	}
	var filled []int64
	for _, c := range cells {
		for _, n := range c.target {
			if n > 0 {
				filled = append(filled, c.stationID)
				break
			}
		}
	}
	if err := refuseNotOffered(tx, taskTypeID, filled); err != nil {
		return 0, 0, err
	}
	current, err := cellSlots(tx, e.ID, taskTypeID, day, stationIDs)
	if err != nil {
		return 0, 0, err
	}
	var problems []*models.UserError
	var remove []int64
	var create []models.Slot
	for _, c := range cells {
		byParty := map[int64][]slotRow{}
		for _, s := range current[c.stationID] {
			byParty[s.PartyID] = append(byParty[s.PartyID], s)
		}
		parties := make([]int64, 0, len(c.target))
		for id := range c.target {
			parties = append(parties, id)
		}
		slices.Sort(parties)
		for _, party := range parties {
			want, have := c.target[party], byParty[party]
			if want < 0 || want > 500 {
				return 0, 0, models.Refuse("error.plan.count")
			}
			for i := len(have); i < want; i++ {
				create = append(create, models.Slot{ElectionID: e.ID, StationID: c.stationID, TaskTypeID: taskTypeID, Day: day,
					PartyID: party, ByAgreement: c.agreed, CreatedAt: now})
			}
			if len(have) <= want {
				continue
			}
			held, used := 0, 0
			var empty []int64
			for _, s := range have {
				switch {
				case s.Held:
					held++
					used++
				case s.Used:
					used++
				default:
					empty = append(empty, s.ID)
				}
			}
			switch {
			case want < held:
				key := "error.plan.belowheld"
				if held == 1 {
					key = "error.plan.belowheld.one"
				}
				problems = append(problems, models.Refuse(key, names(c.stationID, party), held, held))
			case want < used:
				problems = append(problems, models.Refuse("error.plan.belowused", names(c.stationID, party), used-held, used))
			default:
				slices.Reverse(empty) // the newest first
				remove = append(remove, empty[:len(have)-want]...)
			}
		}
	}
	if len(problems) > 0 {
		return 0, 0, &models.PlanRefused{Problems: problems}
	}
	if len(remove) > 0 && !confirm {
		return 0, 0, &models.NeedsConfirmation{Removes: len(remove)}
	}
	if len(remove) > 0 {
		// NOT EXISTS again: on SQLite nothing can have changed (one
		// writer), on PostgreSQL the rows are locked; the foreign key
		// would refuse it anyway.
		res := tx.Exec(`DELETE FROM slots WHERE id IN ? AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.slot_id = slots.id)`, remove)
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
				return 0, 0, models.ErrStale
			}
			return 0, 0, res.Error
		}
		if int(res.RowsAffected) != len(remove) {
			return 0, 0, models.ErrStale
		}
	}
	for _, c := range cells {
		if c.agreed || c.release {
			if err := tx.Model(&models.Slot{}).Where("election_id = ? AND station_id = ? AND task_type_id = ? AND day = ?",
				e.ID, c.stationID, taskTypeID, day).Update("by_agreement", c.agreed).Error; err != nil {
				return 0, 0, err
			}
		}
	}
	if len(create) > 0 {
		if err := tx.CreateInBatches(&create, 500).Error; err != nil {
			return 0, 0, err
		}
	}
	return len(create), len(remove), nil
}

// namer returns a function that names a station and a party for messages.
func namer(tx *gorm.DB) func(station, party int64) string {
	var stations []models.PollingStation
	var parties []models.Party
	tx.Select("id", "name").Find(&stations)
	tx.Select("id", "name").Find(&parties)
	sn, pn := map[int64]string{}, map[int64]string{}
	for _, s := range stations {
		sn[s.ID] = s.Name
	}
	for _, p := range parties {
		pn[p.ID] = p.Name
	}
	return func(station, party int64) string { return sn[station] + ", " + pn[party] }
}

// QuotaRequest asks for the council groups' slots of one task type on one
// day to be distributed by d'Hondt.
type QuotaRequest struct {
	ElectionID  int64
	PlanVersion int
	TaskTypeID  int64
	Day         models.Date
	// Counts is the number of council-group slots per station. Pools are
	// not touched.
	Counts map[int64]int
	// MunicipalityWide computes the parties' shares of the sum of all
	// counts and spreads them over the stations (models.SpreadOverStations);
	// otherwise each station's count is distributed by itself.
	MunicipalityWide bool
	// ReleaseAgreements includes stations whose cell was set by agreement
	// (and ends the agreement); without it they keep their counts and are
	// left out of the computation.
	ReleaseAgreements bool
	Confirm           bool
}

func quotaPrefix(electionID, taskTypeID int64, day models.Date) string {
	return fmt.Sprintf(`{"election_id":%d,"task_type_id":%d,"day":"%s",`, electionID, taskTypeID, day)
}

// QuotaResult tells what a distribution did.
type QuotaResult struct {
	Added, Removed int
	Record         models.QuotaRecord
}

// DistributeByQuota sets the council groups' slots of a task type on a day,
// per station or municipality-wide, by d'Hondt over the council seats
// (valggrupper as one contender, split inside by d'Hondt), with the
// election's recorded quota seed (chosen at random on first use) and a seed
// derived per cell from it (models.CellSeed). Cells set by agreement are
// left alone unless ReleaseAgreements. Lots and inputs are recorded in the
// audit log (models.AuditPlanQuota). Staff only.
func DistributeByQuota(ctx context.Context, db *gorm.DB, actor models.User, req QuotaRequest, now time.Time) (QuotaResult, error) {
	var result QuotaResult
	err := planTx(ctx, db, actor, req.ElectionID, req.PlanVersion, now, func(tx *gorm.DB, e models.Election) error {
		if e.QuotaSeed == 0 {
			seed, err := newSeed()
			if err != nil {
				return err
			}
			if err := tx.Model(&models.Election{}).Where("id = ?", e.ID).Update("quota_seed", seed).Error; err != nil {
				return err
			}
			e.QuotaSeed = seed
		}
		groups, _, valggrupper, err := loadParties(tx)
		if err != nil {
			return err
		}
		quotaParties := make([]models.QuotaParty, len(groups))
		seats := map[string]int{}
		for i, g := range groups {
			quotaParties[i] = models.QuotaParty{ID: g.ID, Name: g.Name, Seats: g.CouncilSeats}
			if g.ValggruppeID != nil {
				quotaParties[i].Group = valggrupper[*g.ValggruppeID]
				seats[quotaParties[i].Group] += g.CouncilSeats
			} else {
				seats[g.Name] = g.CouncilSeats
			}
		}
		var stationIDs []int64
		for id, n := range req.Counts {
			if n < 0 || n > 500 {
				return models.Refuse("error.plan.count")
			}
			stationIDs = append(stationIDs, id)
		}
		if len(stationIDs) == 0 {
			return models.Refuse("error.plan.nocount")
		}
		if err := checkPlanCell(tx, e, req.TaskTypeID, req.Day, stationIDs); err != nil {
			return err
		}
		var filled []int64
		for id, n := range req.Counts {
			if n > 0 {
				filled = append(filled, id)
			}
		}
		if err := refuseNotOffered(tx, req.TaskTypeID, filled); err != nil {
			return err
		}
		// Stations in district order: the order the municipal spread fills.
		var stations []models.PollingStation
		if err := tx.Where("id IN ?", stationIDs).Order(stationOrder).Find(&stations).Error; err != nil {
			return err
		}
		var agreed []int64
		if err := tx.Model(&models.Slot{}).Distinct("station_id").Where("election_id = ? AND task_type_id = ? AND day = ? AND station_id IN ? AND by_agreement",
			e.ID, req.TaskTypeID, req.Day, stationIDs).Pluck("station_id", &agreed).Error; err != nil {
			return err
		}
		record := models.QuotaRecord{ElectionID: e.ID, TaskTypeID: req.TaskTypeID, Day: req.Day.String(), Mode: "station", QuotaSeed: models.SeedText(e.QuotaSeed), Draws: []models.Draw{}}
		var included []models.PollingStation
		for _, s := range stations {
			if slices.Contains(agreed, s.ID) && !req.ReleaseAgreements {
				record.Skipped = append(record.Skipped, s.ID)
				continue
			}
			included = append(included, s)
		}
		if len(included) == 0 {
			return models.Refuse("error.plan.allagreed")
		}
		// draw computes a station's (or the municipality's) shares: the
		// recorded Draw, and the slots per party ID that the cells take.
		draw := func(station int64, n int) (models.Draw, map[int64]int, error) {
			seed := models.CellSeed(e.QuotaSeed, station, req.TaskTypeID, req.Day)
			shares, lots, err := models.PartyQuota(n, quotaParties, seed)
			if err != nil {
				if errors.Is(err, models.ErrQuota) {
					return models.Draw{}, nil, models.Refuse("error.plan.noseats")
				}
				return models.Draw{}, nil, err
			}
			d := models.Draw{StationID: station, Slots: n, Seed: models.SeedText(seed), Seats: seats, Lots: lots, Result: map[string]int{}}
			for _, g := range groups {
				d.Result[g.Name] = shares[g.ID]
			}
			return d, shares, nil
		}
		cells := make([]cellPlan, len(included))
		if req.MunicipalityWide {
			record.Mode = "municipality"
			counts := make([]int, len(included))
			total := 0
			for i, s := range included {
				counts[i] = req.Counts[s.ID]
				total += counts[i]
			}
			d, shares, err := draw(0, total)
			if err != nil {
				return err
			}
			record.Draws = append(record.Draws, d)
			totals := make([]int, len(groups))
			for i, g := range groups {
				totals[i] = shares[g.ID]
			}
			spread, err := models.SpreadOverStations(totals, counts)
			if err != nil {
				return err
			}
			for i, s := range included {
				cells[i] = cellPlan{stationID: s.ID, target: map[int64]int{}, release: true}
				for j, g := range groups {
					cells[i].target[g.ID] = spread[i][j]
				}
			}
		} else {
			for i, s := range included {
				d, shares, err := draw(s.ID, req.Counts[s.ID])
				if err != nil {
					return err
				}
				if d.Slots > 0 {
					record.Draws = append(record.Draws, d)
				}
				cells[i] = cellPlan{stationID: s.ID, target: shares, release: true}
			}
		}
		added, removed, err := applyCells(tx, e, req.TaskTypeID, req.Day, cells, req.Confirm, namer(tx), now)
		if err != nil {
			return err
		}
		detail, err := json.Marshal(record)
		if err != nil {
			return err
		}
		result = QuotaResult{Added: added, Removed: removed, Record: record}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditPlanQuota, Detail: string(detail)})
	})
	return result, err
}

// newSeed draws a quota seed: random, never 0 (0 means "none yet").
func newSeed() (int64, error) {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		if s := int64(binary.LittleEndian.Uint64(b[:]) >> 1); s != 0 {
			return s, nil
		}
	}
}

// QuotaRecords returns the recorded distributions of a task type on a day,
// newest first (at most limit).
func QuotaRecords(ctx context.Context, db *gorm.DB, actor models.User, electionID, taskTypeID int64, day models.Date, limit int) ([]models.QuotaRecord, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	var entries []models.AuditEntry
	if err := db.WithContext(ctx).Where("action = ? AND detail LIKE ?", models.AuditPlanQuota, quotaPrefix(electionID, taskTypeID, day)+"%").
		Order("id DESC").Limit(limit).Find(&entries).Error; err != nil {
		return nil, err
	}
	out := make([]models.QuotaRecord, 0, len(entries))
	for _, en := range entries {
		var r models.QuotaRecord
		if err := json.Unmarshal([]byte(en.Detail), &r); err != nil {
			return nil, err
		}
		r.At = en.At
		out = append(out, r)
	}
	return out, nil
}

// SetCellCounts sets the counts of a cell. Staff only.
func SetCellCounts(ctx context.Context, db *gorm.DB, actor models.User, req models.CellRequest, now time.Time) error {
	return planTx(ctx, db, actor, req.ElectionID, req.PlanVersion, now, func(tx *gorm.DB, e models.Election) error {
		if len(req.Counts) == 0 {
			return models.Refuse("error.plan.nonumber")
		}
		ids := make([]int64, 0, len(req.Counts))
		for id := range req.Counts {
			ids = append(ids, id)
		}
		var parties []models.Party
		if err := tx.Where("id IN ?", ids).Find(&parties).Error; err != nil {
			return err
		}
		if len(parties) != len(ids) {
			return models.Refuse("error.party.oneunknown")
		}
		agreed := slices.ContainsFunc(parties, func(p models.Party) bool { return p.Kind == models.CouncilGroup })
		_, _, err := applyCells(tx, e, req.Cell.TaskTypeID, req.Cell.Day,
			[]cellPlan{{stationID: req.Cell.StationID, target: req.Counts, agreed: agreed}}, req.Confirm, namer(tx), now)
		if err != nil {
			return err
		}
		parts := make([]string, 0, len(parties))
		slices.SortFunc(parties, func(a, b models.Party) int { return cmp.Compare(a.ID, b.ID) })
		for _, p := range parties {
			parts = append(parts, fmt.Sprintf("party %d: %d", p.ID, req.Counts[p.ID]))
		}
		how := "by hand"
		if agreed {
			how = "by agreement"
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditPlanChanged,
			Detail: fmt.Sprintf("election %d, station %d, task type %d, %s: %s (%s)", e.ID, req.Cell.StationID, req.Cell.TaskTypeID,
				req.Cell.Day, strings.Join(parts, ", "), how)})
	})
}

// MoveVacantSlot gives one of a party's slots in a cell to another party or
// pool. Only a slot nobody was ever invited to (no assignment at all) moves;
// it is then by agreement, so the cell keeps its counts when the quota is
// computed again. Staff only.
func MoveVacantSlot(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, version int, cell models.PlanCell, from, to int64, now time.Time) error {
	return planTx(ctx, db, actor, electionID, version, now, func(tx *gorm.DB, e models.Election) error {
		if from == to {
			return models.Refuse("error.plan.sameparty")
		}
		var n int64
		if err := tx.Model(&models.Party{}).Where("id IN ?", []int64{from, to}).Count(&n).Error; err != nil {
			return err
		}
		if n != 2 {
			return models.Refuse("error.party.oneunknown")
		}
		if err := checkPlanCell(tx, e, cell.TaskTypeID, cell.Day, []int64{cell.StationID}); err != nil {
			return err
		}
		slots, err := cellSlots(tx, e.ID, cell.TaskTypeID, cell.Day, []int64{cell.StationID})
		if err != nil {
			return err
		}
		var pick int64
		for _, s := range slots[cell.StationID] {
			if s.PartyID == from && !s.Used {
				pick = s.ID // the newest
			}
		}
		if pick == 0 {
			var p models.Party
			tx.Select("name").First(&p, from)
			return models.Refuse("error.plan.nofreeslot", p.Name)
		}
		res := tx.Exec(`UPDATE slots SET party_id = ?, by_agreement = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.slot_id = slots.id)`,
			to, true, pick)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditPlanChanged,
			Detail: fmt.Sprintf("election %d: slot %d moved from party %d to party %d", e.ID, pick, from, to)})
	})
}

func stationImpact(tx *gorm.DB, id int64) (models.StationImpact, error) {
	var i models.StationImpact
	if err := tx.First(&i.Station, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return i, models.ErrNotFound
	} else if err != nil {
		return i, err
	}
	if err := tx.Raw(`SELECT e.id AS election_id, e.title, COUNT(*) AS slots FROM slots s JOIN elections e ON e.id = s.election_id
WHERE s.station_id = ? GROUP BY e.id, e.title ORDER BY e.id`, id).Scan(&i.Elections).Error; err != nil {
		return i, err
	}
	for _, e := range i.Elections {
		i.Slots += e.Slots
	}
	var n int64
	count := func(dst *int, q *gorm.DB) error {
		if err := q.Count(&n).Error; err != nil {
			return err
		}
		*dst = int(n)
		return nil
	}
	for _, c := range []struct {
		dst *int
		q   *gorm.DB
	}{
		{&i.Held, tx.Model(&models.Assignment{}).Distinct("slot_id").Where("station_id = ? AND state IN ?", id, holdingStates)},
		{&i.Used, tx.Model(&models.Assignment{}).Distinct("slot_id").Where("station_id = ?", id)},
		{&i.Reserves, tx.Model(&models.Reserve{}).Where("station_id = ?", id)},
		{&i.Secretaries, tx.Model(&models.UserStation{}).Where("station_id = ?", id)},
	} {
		if err := count(c.dst, c.q); err != nil {
			return i, err
		}
	}
	return i, nil
}

// StationDeletion shows what deleting a polling station would do. Staff
// only.
func StationDeletion(ctx context.Context, db *gorm.DB, actor models.User, id int64) (models.StationImpact, error) {
	if !isStaff(actor) {
		return models.StationImpact{}, models.ErrForbidden
	}
	return stationImpact(db.WithContext(ctx), id)
}

// DeleteStation deletes a polling station with its empty slots in every
// election (each election's plan version goes up), its reserve-list entries
// and secretaries' limits to it. Refused while anyone is or was on one of
// its slots; anything to take along needs confirm (models.NeedsConfirmation).
// Staff only.
func DeleteStation(ctx context.Context, db *gorm.DB, actor models.User, id int64, confirm bool, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		i, err := stationImpact(tx, id)
		if err != nil {
			return err
		}
		if !i.Deletable() {
			key := "error.station.notdeletable"
			if i.Held == 1 {
				key = "error.station.notdeletable.one"
			}
			return models.Refuse(key, i.Station.Name, i.Held, i.Used)
		}
		if i.NeedsConfirmation() && !confirm {
			return &models.NeedsConfirmation{Removes: i.Slots}
		}
		for _, e := range i.Elections {
			if err := tx.Model(&models.Election{}).Where("id = ?", e.ElectionID).
				Update("plan_version", gorm.Expr("plan_version + 1")).Error; err != nil {
				return err
			}
		}
		res := tx.Exec(`DELETE FROM slots WHERE station_id = ? AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.slot_id = slots.id)`, id)
		if res.Error != nil {
			return res.Error
		}
		if int(res.RowsAffected) != i.Slots {
			return models.ErrStale
		}
		if err := tx.Delete(&models.PollingStation{}, id).Error; err != nil {
			if errors.Is(err, gorm.ErrForeignKeyViolated) {
				return models.ErrStale
			}
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditPlanChanged,
			Detail: fmt.Sprintf("station %d (%s) deleted with %d empty slots, %d reserve entries", id, i.Station.Name, i.Slots, i.Reserves)})
	})
}
