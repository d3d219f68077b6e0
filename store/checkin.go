package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// Check-in on the task day: the marks the lifecycle records, what a
// station's check-in page lists, the counts per station, and the station
// leaders staff name.

// dayStates are the states of the people a station expects on the day:
// the confirmed, and those the day (or staff) already settled.
var dayStates = []models.AssignmentState{models.StateConfirmed, models.StateCompleted, models.StateNoShow}

// RecordAttendance writes a check-in mark (by "staff:<id>" or
// "leader:<participant id>") to the projection, with an audit entry. A
// mark already recorded is not recorded again (a retried activity).
func RecordAttendance(ctx context.Context, db *gorm.DB, assignmentID int64, att models.Attendance, by string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a models.Assignment
		if err := tx.First(&a, assignmentID).Error; err != nil {
			return err
		}
		if a.Attendance == att && a.AttendanceBy == by {
			return nil
		}
		if err := tx.Model(&a).Updates(map[string]any{"attendance": att, "attendance_at": now, "attendance_by": by,
			"updated_at": now}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: staffActor(by), Action: models.AuditCheckIn, ParticipantID: &a.ParticipantID,
			Detail: fmt.Sprintf("assignment %d: %s (%s)", a.ID, attendanceWord(att), by)})
	})
}

func attendanceWord(a models.Attendance) string {
	if a == models.AttendanceUnknown {
		return "unmarked"
	}
	return string(a)
}

// staffActor is the user id in "staff:<id>", nil for anyone else.
func staffActor(by string) *int64 {
	var id int64
	if _, err := fmt.Sscanf(by, "staff:%d", &id); err == nil {
		return &id
	}
	return nil
}

// StationStaff lists the people an election's station expects on the day
// (confirmed, completed, no-show), in Danish name order: name, the phone
// their party typed (else their own), task, state and mark. Nothing else.
func StationStaff(ctx context.Context, db *gorm.DB, electionID, stationID int64) ([]models.StationPerson, error) {
	db = db.WithContext(ctx)
	var as []models.Assignment
	if err := db.Where("election_id = ? AND station_id = ? AND state IN ?", electionID, stationID, dayStates).
		Order("id").Find(&as).Error; err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return []models.StationPerson{}, nil
	}
	// Three reads for the whole station, not two per person: the page is
	// reloaded every few seconds on the day.
	ids, ttIDs := make([]int64, len(as)), make([]int64, len(as))
	for i, a := range as {
		ids[i], ttIDs[i] = a.ParticipantID, a.TaskTypeID
	}
	var ps []models.Participant
	if err := db.Select("id", "name", "mobile", "email", "protected_address").Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, err
	}
	var ms []models.PartyMembership
	if err := db.Where("participant_id IN ?", ids).Find(&ms).Error; err != nil {
		return nil, err
	}
	var tts []models.TaskType
	if err := db.Select("id", "name", "start_time").Where("id IN ?", ttIDs).Find(&tts).Error; err != nil {
		return nil, err
	}
	people := make(map[int64]models.Participant, len(ps))
	for _, p := range ps {
		people[p.ID] = p
	}
	type membership struct{ participant, party int64 }
	memberships := make(map[membership]models.PartyMembership, len(ms))
	for _, m := range ms {
		memberships[membership{m.ParticipantID, m.PartyID}] = m
	}
	taskTypes := make(map[int64]models.TaskType, len(tts))
	for _, tt := range tts {
		taskTypes[tt.ID] = tt
	}
	out := make([]models.StationPerson, 0, len(as))
	for _, a := range as {
		p, ok := people[a.ParticipantID]
		if !ok {
			continue // deleted meanwhile
		}
		// The phone their party typed, else their own (models.ContactOf).
		if m, ok := memberships[membership{a.ParticipantID, a.PartyID}]; ok {
			p = models.ContactOf(p, m)
		}
		tt := taskTypes[a.TaskTypeID]
		out = append(out, models.StationPerson{AssignmentID: a.ID, ParticipantID: p.ID, Name: p.Name, Phone: p.Mobile.Reveal(),
			TaskType: tt.Name, StartTime: tt.StartTime, State: a.State, Attendance: a.Attendance, Protected: p.ProtectedAddress})
	}
	models.SortDanish(out, func(p models.StationPerson) string { return p.Name })
	return out, nil
}

// StationCounts counts, per station of an election, the people expected on
// day by their mark: present, absent, unknown. A person whose state the
// day (or staff) settled without a mark counts by that state.
func StationCounts(ctx context.Context, db *gorm.DB, electionID int64, day models.Date) (map[int64]models.CheckInCounts, error) {
	var rows []struct {
		StationID  int64
		State      models.AssignmentState
		Attendance models.Attendance
		N          int
	}
	if err := db.WithContext(ctx).Model(&models.Assignment{}).Select("station_id, state, attendance, COUNT(*) AS n").
		Where("election_id = ? AND day = ? AND state IN ?", electionID, day, dayStates).
		Group("station_id, state, attendance").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]models.CheckInCounts{}
	for _, r := range rows {
		c := out[r.StationID]
		switch {
		case r.Attendance == models.AttendancePresent && r.State != models.StateNoShow, r.State == models.StateCompleted:
			c.Present += r.N
		case r.Attendance == models.AttendanceAbsent, r.State == models.StateNoShow:
			c.Absent += r.N
		default:
			c.Unknown += r.N
		}
		out[r.StationID] = c
	}
	return out, nil
}

// AssignmentPlace returns the election and station of an assignment;
// models.ErrNotFound when there is none.
func AssignmentPlace(ctx context.Context, db *gorm.DB, assignmentID int64) (electionID, stationID int64, err error) {
	var a models.Assignment
	err = db.WithContext(ctx).Select("id", "election_id", "station_id").First(&a, assignmentID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, 0, models.ErrNotFound
	}
	return a.ElectionID, a.StationID, err
}

// LeadsStation tells whether a person is a named leader of the station in
// the election.
func LeadsStation(ctx context.Context, db *gorm.DB, participantID, electionID, stationID int64) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.StationLeader{}).
		Where("participant_id = ? AND election_id = ? AND station_id = ?", participantID, electionID, stationID).Count(&n).Error
	return n > 0, err
}

// LedStations lists the stations a person leads in active elections, by
// election day.
func LedStations(ctx context.Context, db *gorm.DB, participantID int64) ([]models.LedStation, error) {
	var out []models.LedStation
	err := db.WithContext(ctx).Table("station_leaders AS l").
		Select("l.election_id, e.title AS election_title, l.station_id, s.name AS station_name, e.election_day AS day").
		Joins("JOIN elections e ON e.id = l.election_id").Joins("JOIN polling_stations s ON s.id = l.station_id").
		Where("l.participant_id = ? AND e.state = ?", participantID, models.ElectionActive).
		Order("e.election_day, s.name").Scan(&out).Error
	return out, err
}

// StationLeaders lists an election's station's named leaders by name.
func StationLeaders(ctx context.Context, db *gorm.DB, electionID, stationID int64) ([]models.StationLeaderRow, error) {
	var out []models.StationLeaderRow
	err := db.WithContext(ctx).Table("station_leaders AS l").Select("l.participant_id, p.name").
		Joins("JOIN participants p ON p.id = l.participant_id").
		Where("l.election_id = ? AND l.station_id = ?", electionID, stationID).Scan(&out).Error
	models.SortDanish(out, func(r models.StationLeaderRow) string { return r.Name })
	return out, err
}

// NameStationLeader makes a person who serves at the station in the
// election one of its leaders. Only a person assigned there (nominated
// to completed) may be named; the refusal is a *models.UserError. Naming
// the same person twice is one leader. Staff only; audited.
func NameStationLeader(ctx context.Context, db *gorm.DB, actor models.User, electionID, stationID, participantID int64, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Assignment{}).Where("election_id = ? AND station_id = ? AND participant_id = ? AND state IN ?",
			electionID, stationID, participantID, holdingStates).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.RefuseField("participant_id", "error.leader.notassigned")
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.StationLeader{ElectionID: electionID, StationID: stationID,
			ParticipantID: participantID, CreatedBy: &actor.ID, CreatedAt: now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditStationLeader, ParticipantID: &participantID,
			Detail: fmt.Sprintf("election %d, station %d: named station leader", electionID, stationID)})
	})
}

// RemoveStationLeader takes a person off an election's station's leaders;
// models.ErrNotFound when they were not one. Staff only; audited.
func RemoveStationLeader(ctx context.Context, db *gorm.DB, actor models.User, electionID, stationID, participantID int64, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("election_id = ? AND station_id = ? AND participant_id = ?", electionID, stationID, participantID).
			Delete(&models.StationLeader{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditStationLeader, ParticipantID: &participantID,
			Detail: fmt.Sprintf("election %d, station %d: removed as station leader", electionID, stationID)})
	})
}

// CheckInPlace reads an election and one of its stations (a station with
// at least one slot in the election); models.ErrNotFound otherwise.
func CheckInPlace(ctx context.Context, db *gorm.DB, electionID, stationID int64) (models.Election, models.PollingStation, error) {
	var e models.Election
	var st models.PollingStation
	db = db.WithContext(ctx)
	if err := db.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return e, st, models.ErrNotFound
	} else if err != nil {
		return e, st, err
	}
	var n int64
	if err := db.Model(&models.Slot{}).Where("election_id = ? AND station_id = ?", electionID, stationID).Count(&n).Error; err != nil {
		return e, st, err
	}
	if n == 0 {
		return e, st, models.ErrNotFound
	}
	return e, st, db.First(&st, stationID).Error
}

// CheckInStations reads an election and the stations it has slots at, by
// name; models.ErrNotFound for no election.
func CheckInStations(ctx context.Context, db *gorm.DB, electionID int64) (models.Election, []models.PollingStation, error) {
	var e models.Election
	var sts []models.PollingStation
	db = db.WithContext(ctx)
	if err := db.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return e, nil, models.ErrNotFound
	} else if err != nil {
		return e, nil, err
	}
	err := db.Where("id IN (?)", db.Model(&models.Slot{}).Select("station_id").Where("election_id = ?", electionID)).
		Find(&sts).Error
	models.SortDanish(sts, func(s models.PollingStation) string { return s.Name })
	return e, sts, err
}

// StationLeaderCandidates lists, once each by name, the people staff may
// name leaders of an election's station: everyone assigned there
// (nominated to completed), so a leader can be named before the day.
func StationLeaderCandidates(ctx context.Context, db *gorm.DB, electionID, stationID int64) ([]models.StationLeaderRow, error) {
	var out []models.StationLeaderRow
	err := db.WithContext(ctx).Table("assignments AS a").Distinct("a.participant_id", "p.name").
		Joins("JOIN participants p ON p.id = a.participant_id").
		Where("a.election_id = ? AND a.station_id = ? AND a.state IN ?", electionID, stationID, holdingStates).Scan(&out).Error
	models.SortDanish(out, func(r models.StationLeaderRow) string { return r.Name })
	return out, err
}
