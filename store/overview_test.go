package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// plannedElection is an election with slots and people on them in every
// state, inserted directly: what the plan and the lifecycles would write.
type plannedElection struct {
	election  models.Election
	days      []models.Date
	admin     models.User
	parties   []models.Party // council groups first
	stations  []models.PollingStation
	taskTypes []models.TaskType
}

// planSpec sizes a planned election. The demo municipality has 7 stations,
// 8 parties (6 with letters) and 6 task types; more are added up to the
// numbers asked for.
type planSpec struct {
	stations, parties, days int
	maxSlotsPerCellAndDay   int // each cell and day gets 0..max slots
	people                  int
	seed                    uint64
}

var overviewNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func planElection(tb testing.TB, db *gorm.DB, spec planSpec) plannedElection {
	tb.Helper()
	storetest.WithKeys(tb, db)
	if _, err := store.SeedDemo(ctx, db, overviewNow); err != nil {
		tb.Fatal(err)
	}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	var pe plannedElection
	must(db.Where("role = ?", models.RoleAdmin).First(&pe.admin).Error)
	must(db.First(&pe.election).Error)
	var areas []models.Area
	must(db.Order("id").Find(&areas).Error)
	must(db.Order("id").Find(&pe.stations).Error)
	for i := len(pe.stations); i < spec.stations; i++ {
		s := models.PollingStation{AreaID: areas[i%len(areas)].ID, Name: fmt.Sprintf("Valgsted %02d", i+1), Address: "Vej 1",
			PostalCode: "9990", City: "Sønderå", District: i + 1, Version: 1}
		must(db.Create(&s).Error)
		pe.stations = append(pe.stations, s)
	}
	must(db.Order("id").Find(&pe.parties).Error)
	extra := []string{"B", "I", "M", "Å", "Æ", "K", "D", "Q"}
	for i := 0; len(pe.parties) < spec.parties; i++ {
		p := models.Party{Name: "Parti " + extra[i], Letter: extra[i], Kind: models.CouncilGroup, CouncilSeats: 1}
		must(db.Create(&p).Error)
		pe.parties = append(pe.parties, p)
	}
	must(db.Order("id").Find(&pe.taskTypes).Error)

	// Task days: the election day and the days before it.
	from := pe.election.ElectionDay.AddDays(1 - spec.days)
	must(db.Model(&pe.election).Update("tasks_from", from).Error)
	pe.election.TasksFrom = &from
	pe.days = pe.election.TaskDays()

	people := make([]models.Participant, spec.people)
	first := []string{"Anne", "Bo", "Åse", "Søren", "Ærbar", "Øjvind", "Mette", "Lars", "Aase", "Zenia"}
	for i := range people {
		people[i] = models.Participant{CPR: models.NewSecret(fmt.Sprintf("01017%05d", i)), CPRIndex: fmt.Sprintf("plan-%d", i),
			Name: fmt.Sprintf("%s Hansen %d", first[i%len(first)], i), CreatedAt: overviewNow, UpdatedAt: overviewNow}
	}
	must(db.CreateInBatches(&people, 500).Error)

	rng := rand.New(rand.NewPCG(spec.seed, 1))
	var slots []models.Slot
	for _, day := range pe.days {
		for _, s := range pe.stations {
			for _, t := range pe.taskTypes {
				for _, p := range pe.parties {
					for range rng.IntN(spec.maxSlotsPerCellAndDay + 1) {
						slots = append(slots, models.Slot{ElectionID: pe.election.ID, StationID: s.ID, TaskTypeID: t.ID, Day: day,
							PartyID: p.ID, CreatedAt: overviewNow})
					}
				}
			}
		}
	}
	must(db.CreateInBatches(&slots, 1000).Error)

	// People on the slots: at most one holder per slot and one held slot
	// per person and day (the unique indexes), plus earlier assignments
	// that ended (declined, expired, cancelled, removed).
	var as []models.Assignment
	nextHolder := map[models.Date]int{}
	nextOther := 0
	holding := []models.AssignmentState{models.StateNominated, models.StateInvited, models.StateInvited, models.StateConfirmed,
		models.StateConfirmed, models.StateConfirmed, models.StateCompleted, models.StateNoShow}
	ended := []models.AssignmentState{models.StateDeclined, models.StateDeclined, models.StateDeclined, models.StateExpired,
		models.StateCancelled, models.StateRemoved}
	assign := func(sl models.Slot, person int64, state models.AssignmentState, at time.Time) {
		a := models.Assignment{SlotID: sl.ID, ParticipantID: person, ElectionID: sl.ElectionID, StationID: sl.StationID,
			TaskTypeID: sl.TaskTypeID, PartyID: sl.PartyID, Day: sl.Day, State: state,
			WorkflowID: payload.LifecycleID(sl.ID, person), NominatedAt: at, UpdatedAt: at}
		if state == models.StateDeclined {
			a.DeclineReason = []models.DeclineReason{models.DeclineNotThisTime, models.DeclineRemoveMe}[rng.IntN(2)]
			answered := at.Add(time.Hour)
			a.AnsweredAt = &answered
		}
		as = append(as, a)
	}
	for i, sl := range slots {
		at := overviewNow.Add(-time.Duration(i) * time.Minute)
		var holder int64
		if rng.IntN(4) > 0 { // three in four slots are held
			holder = people[nextHolder[sl.Day]%len(people)].ID
			nextHolder[sl.Day]++
			assign(sl, holder, holding[rng.IntN(len(holding))], at)
		}
		for range []int{0, 0, 0, 1, 1, 2}[rng.IntN(6)] { // earlier people on the slot
			person := people[nextOther%len(people)].ID
			nextOther++
			if person != holder {
				assign(sl, person, ended[rng.IntN(len(ended))], at.Add(-time.Minute))
			}
		}
	}
	must(db.CreateInBatches(&as, 1000).Error)
	return pe
}

// recount counts the overview the plain way: every slot and assignment
// loaded and looked at one by one.
func recount(tb testing.TB, db *gorm.DB, electionID int64, keep func(station, taskType, party int64, day models.Date) bool) map[[3]int64]models.Counts {
	tb.Helper()
	var slots []models.Slot
	var as []models.Assignment
	if err := db.Where("election_id = ?", electionID).Find(&slots).Error; err != nil {
		tb.Fatal(err)
	}
	if err := db.Where("election_id = ?", electionID).Find(&as).Error; err != nil {
		tb.Fatal(err)
	}
	out := map[[3]int64]models.Counts{}
	holder := map[int64]models.AssignmentState{}
	for _, a := range as {
		if !keep(a.StationID, a.TaskTypeID, a.PartyID, a.Day) {
			continue
		}
		k := [3]int64{a.StationID, a.TaskTypeID, a.PartyID}
		c := out[k]
		switch a.State {
		case models.StateDeclined:
			c.Declined++
		case models.StateExpired:
			c.Expired++
		case models.StateCancelled:
			c.Cancelled++
		case models.StateRemoved:
			c.Removed++
		default:
			holder[a.SlotID] = a.State
		}
		out[k] = c
	}
	for _, s := range slots {
		if !keep(s.StationID, s.TaskTypeID, s.PartyID, s.Day) {
			continue
		}
		k := [3]int64{s.StationID, s.TaskTypeID, s.PartyID}
		c := out[k]
		c.Slots++
		switch st, held := holder[s.ID]; {
		case !held:
			c.Vacant++
		case st == models.StateNominated:
			c.Nominated++
		case st == models.StateInvited:
			c.Invited++
		case st == models.StateConfirmed || st == models.StateCompleted:
			c.Confirmed++
		case st == models.StateNoShow:
			c.NoShow++
		}
		out[k] = c
	}
	return out
}

func all(int64, int64, int64, models.Date) bool { return true }

// flatten returns the finest cells of an overview, and checks on the way
// that every total is the sum of what is under it.
func flatten(t *testing.T, o models.ElectionOverview) map[[3]int64]models.Counts {
	t.Helper()
	out := map[[3]int64]models.Counts{}
	var total models.Counts
	for _, a := range o.Areas {
		var at models.Counts
		for _, s := range a.Stations {
			var st models.Counts
			if s.Station.AreaID != a.Area.ID {
				t.Errorf("station %s under area %s", s.Station.Name, a.Area.Name)
			}
			for _, tt := range s.TaskTypes {
				var tc models.Counts
				for _, p := range tt.Parties {
					k := [3]int64{s.Station.ID, tt.TaskType.ID, p.Party.ID}
					if _, dup := out[k]; dup {
						t.Errorf("cell %v twice", k)
					}
					out[k] = p.Counts
					tc = sum(tc, p.Counts)
				}
				if tc != tt.Total {
					t.Errorf("%s/%s total %+v, parties add up to %+v", s.Station.Name, tt.TaskType.Name, tt.Total, tc)
				}
				st = sum(st, tc)
			}
			if st != s.Total {
				t.Errorf("%s total %+v, task types add up to %+v", s.Station.Name, s.Total, st)
			}
			at = sum(at, st)
		}
		if at != a.Total {
			t.Errorf("area %s total %+v, stations add up to %+v", a.Area.Name, a.Total, at)
		}
		total = sum(total, at)
	}
	if total != o.Total {
		t.Errorf("election total %+v, areas add up to %+v", o.Total, total)
	}
	return out
}

func sum(a, b models.Counts) models.Counts {
	return models.Counts{Slots: a.Slots + b.Slots, Vacant: a.Vacant + b.Vacant, Nominated: a.Nominated + b.Nominated,
		Invited: a.Invited + b.Invited, Confirmed: a.Confirmed + b.Confirmed, NoShow: a.NoShow + b.NoShow,
		Declined: a.Declined + b.Declined, Expired: a.Expired + b.Expired, Cancelled: a.Cancelled + b.Cancelled, Removed: a.Removed + b.Removed}
}

func sameCells(t *testing.T, what string, got, want map[[3]int64]models.Counts) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d cells, recount has %d", what, len(got), len(want))
	}
	for k, w := range want {
		if g := got[k]; g != w {
			t.Errorf("%s: cell %v = %+v, recount %+v", what, k, g, w)
		}
	}
}

func smallPlan(t *testing.T, db *gorm.DB) plannedElection {
	return planElection(t, db, planSpec{stations: 7, parties: 8, days: 2, maxSlotsPerCellAndDay: 2, people: 400, seed: 4})
}

func TestOverviewCountsMatchARecount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		pe := smallPlan(t, db)
		o, err := store.Overview(ctx, db, pe.admin, pe.election.ID, models.OverviewFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := recount(t, db, pe.election.ID, all)
		sameCells(t, "staff, no filter", flatten(t, o), want)
		if !o.HasSlots || o.Total.Slots < 300 || o.Total.Vacant == 0 || o.Total.Invited == 0 || o.Total.Confirmed == 0 ||
			o.Total.NoShow == 0 || o.Total.Declined == 0 || o.Total.Ended() == 0 {
			t.Errorf("the fixture does not exercise every column: %+v", o.Total)
		}
		if o.Total.Slots != o.Total.Vacant+o.Total.Nominated+o.Total.Invited+o.Total.Confirmed+o.Total.NoShow {
			t.Errorf("slot columns do not add up: %+v", o.Total)
		}
		if len(o.Days) != 2 || len(o.Parties) != 8 || len(o.Stations) != 7 || len(o.TaskTypes) != 6 {
			t.Errorf("filter choices: %d days, %d parties, %d stations, %d task types", len(o.Days), len(o.Parties), len(o.Stations), len(o.TaskTypes))
		}

		// Order: areas and stations by name in Danish, parties by letter (pools last).
		da := collate.New(language.Danish)
		for i := 1; i < len(o.Areas); i++ {
			if da.CompareString(o.Areas[i-1].Area.Name, o.Areas[i].Area.Name) > 0 {
				t.Errorf("areas out of order: %s before %s", o.Areas[i-1].Area.Name, o.Areas[i].Area.Name)
			}
		}
		midtby := o.Areas[0]
		var names []string
		for _, s := range midtby.Stations {
			names = append(names, s.Station.Name)
		}
		if want := []string{"Kulturhuset Æblehaven", "Sønderå Rådhus", "Åbyskolen"}; !slices.Equal(names, want) {
			t.Errorf("stations of %s: %v, want %v", midtby.Area.Name, names, want)
		}
		var letters []string
		for _, p := range o.Parties {
			letters = append(letters, p.Letter+p.Name[:1])
		}
		if want := []string{"AS", "CD", "FS", "OD", "VV", "ØE", "F", "M"}; !slices.Equal(letters, want) {
			t.Errorf("parties in order %v, want %v", letters, want)
		}
	})
}

func TestOverviewFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		pe := smallPlan(t, db)
		day, party, taskType, station := pe.days[0], pe.parties[1].ID, pe.taskTypes[0].ID, pe.stations[2].ID
		for _, tc := range []struct {
			name string
			f    models.OverviewFilter
			keep func(s, tt, p int64, d models.Date) bool
		}{
			{"day", models.OverviewFilter{Day: day}, func(_, _, _ int64, d models.Date) bool { return d == day }},
			{"party", models.OverviewFilter{PartyID: party}, func(_, _, p int64, _ models.Date) bool { return p == party }},
			{"task type", models.OverviewFilter{TaskTypeID: taskType}, func(_, tt, _ int64, _ models.Date) bool { return tt == taskType }},
			{"station", models.OverviewFilter{StationID: station}, func(s, _, _ int64, _ models.Date) bool { return s == station }},
			{"all four", models.OverviewFilter{Day: day, PartyID: party, TaskTypeID: taskType, StationID: station},
				func(s, tt, p int64, d models.Date) bool {
					return d == day && p == party && tt == taskType && s == station
				}},
		} {
			o, err := store.Overview(ctx, db, pe.admin, pe.election.ID, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			want := recount(t, db, pe.election.ID, tc.keep)
			sameCells(t, tc.name, flatten(t, o), want)
			for _, d := range o.Declined {
				if !tc.keep(d.Station.ID, d.TaskType.ID, d.Party.ID, d.Day) {
					t.Errorf("%s: declined invitation %d outside the filter", tc.name, d.AssignmentID)
				}
			}
			var declined int
			for _, c := range want {
				declined += c.Declined
			}
			if len(o.Declined) != min(declined, store.MaxDeclinedShown) {
				t.Errorf("%s: %d declined listed, recount %d", tc.name, len(o.Declined), declined)
			}
		}

		// A task type without slots: nothing matches, but the election has slots.
		tt := models.TaskType{Name: "Ordstyrer", ShortName: "OS", Version: 1}
		db.Create(&tt)
		o, err := store.Overview(ctx, db, pe.admin, pe.election.ID, models.OverviewFilter{TaskTypeID: tt.ID})
		if err != nil || len(o.Areas) != 0 || o.Total != (models.Counts{}) || !o.HasSlots {
			t.Errorf("filter matching nothing: %v, %d areas, %+v, has slots %v", err, len(o.Areas), o.Total, o.HasSlots)
		}
	})
}

func TestOverviewScopeOfAPartySecretary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		pe := smallPlan(t, db)
		partyA, partyV := pe.parties[0], pe.parties[1]
		secA := models.User{Email: "a@x.example", Name: "Sekretær A", Role: models.RolePartySecretary, PartyID: &partyA.ID, CreatedAt: overviewNow}
		limited := models.User{Email: "a2@x.example", Name: "Sekretær A, to valgsteder", Role: models.RolePartySecretary,
			PartyID: &partyA.ID, CreatedAt: overviewNow}
		readOnly := models.User{Email: "ro@x.example", Name: "Læser", Role: models.RoleReadOnly, CreatedAt: overviewNow}
		for _, u := range []*models.User{&secA, &limited, &readOnly} {
			if err := db.Create(u).Error; err != nil {
				t.Fatal(err)
			}
		}
		mine := []int64{pe.stations[1].ID, pe.stations[5].ID}
		if err := store.LimitToStations(db, &limited, mine); err != nil {
			t.Fatal(err)
		}

		o, err := store.Overview(ctx, db, secA, pe.election.ID, models.OverviewFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sameCells(t, "secretary", flatten(t, o), recount(t, db, pe.election.ID, func(_, _, p int64, _ models.Date) bool { return p == partyA.ID }))
		if len(o.Parties) != 1 || o.Parties[0].ID != partyA.ID {
			t.Errorf("a secretary is offered parties %v", o.Parties)
		}
		if len(o.Declined) == 0 {
			t.Error("the fixture has no declined invitation for party A")
		}
		for _, d := range o.Declined {
			if d.Party.ID != partyA.ID {
				t.Errorf("secretary of A sees %s's declined invitation %d", d.Party.Name, d.AssignmentID)
			}
		}

		o, err = store.Overview(ctx, db, limited, pe.election.ID, models.OverviewFilter{Day: pe.days[1]})
		if err != nil {
			t.Fatal(err)
		}
		sameCells(t, "secretary with two stations", flatten(t, o), recount(t, db, pe.election.ID, func(s, _, p int64, d models.Date) bool {
			return p == partyA.ID && slices.Contains(mine, s) && d == pe.days[1]
		}))
		if len(o.Stations) != 2 {
			t.Errorf("a secretary with two stations is offered %d", len(o.Stations))
		}
		for _, d := range o.Declined {
			if d.Party.ID != partyA.ID || !slices.Contains(mine, d.Station.ID) {
				t.Errorf("limited secretary sees declined invitation %d at %s for %s", d.AssignmentID, d.Station.Name, d.Party.Name)
			}
		}

		for name, f := range map[string]models.OverviewFilter{
			"another party":   {PartyID: partyV.ID},
			"another station": {StationID: pe.stations[0].ID},
		} {
			if _, err := store.Overview(ctx, db, limited, pe.election.ID, f); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("secretary asking for %s: %v, want models.ErrForbidden", name, err)
			}
		}

		o, err = store.Overview(ctx, db, readOnly, pe.election.ID, models.OverviewFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sameCells(t, "read-only", flatten(t, o), recount(t, db, pe.election.ID, all))

		if _, err := store.Overview(ctx, db, models.User{Role: "visitor"}, pe.election.ID, models.OverviewFilter{}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("unknown role: %v", err)
		}
	})
}

func TestOverviewElectionsAndEmptyOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		pe := smallPlan(t, db)
		day := pe.election.ElectionDay
		draft := models.Election{Title: "Kladde", Kind: models.Kommunalvalg, ElectionDay: day.AddDays(30), State: models.ElectionDraft, AnswerDays: 14,
			CreatedAt: overviewNow, UpdatedAt: overviewNow}
		closed := models.Election{Title: "Gammelt", Kind: models.EuropaParlamentsvalg, ElectionDay: day.AddDays(-400), State: models.ElectionClosed, AnswerDays: 14,
			CreatedAt: overviewNow, UpdatedAt: overviewNow}
		older := models.Election{Title: "Ældre", Kind: models.EuropaParlamentsvalg, ElectionDay: day.AddDays(-800), State: models.ElectionClosed, AnswerDays: 14,
			CreatedAt: overviewNow, UpdatedAt: overviewNow}
		for _, e := range []*models.Election{&draft, &closed, &older} {
			if err := db.Create(e).Error; err != nil {
				t.Fatal(err)
			}
		}
		titles := func(u models.User) []string {
			es, err := store.OverviewElections(ctx, db, u)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Title)
			}
			return out
		}
		if got, want := titles(pe.admin), []string{pe.election.Title, "Kladde", "Gammelt", "Ældre"}; !slices.Equal(got, want) {
			t.Errorf("staff chooser %v, want %v", got, want)
		}
		sec := models.User{ID: pe.admin.ID + 1000, Role: models.RolePartySecretary, PartyID: &pe.parties[0].ID}
		if got, want := titles(sec), []string{pe.election.Title, "Gammelt", "Ældre"}; !slices.Equal(got, want) {
			t.Errorf("secretary chooser %v, want %v", got, want)
		}

		o, err := store.Overview(ctx, db, pe.admin, draft.ID, models.OverviewFilter{})
		if err != nil || o.HasSlots || len(o.Areas) != 0 || o.Election.Title != "Kladde" {
			t.Errorf("election without slots: %v, has slots %v, %d areas", err, o.HasSlots, len(o.Areas))
		}
		if _, err := store.Overview(ctx, db, sec, draft.ID, models.OverviewFilter{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("secretary on a draft: %v", err)
		}
		if _, err := store.Overview(ctx, db, pe.admin, 99999, models.OverviewFilter{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown election: %v", err)
		}
	})
}

func TestOverviewDeclinedListNewestFirstWithReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		pe := smallPlan(t, db)
		o, err := store.Overview(ctx, db, pe.admin, pe.election.ID, models.OverviewFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Declined) != min(o.Total.Declined, store.MaxDeclinedShown) || o.Total.Declined <= store.MaxDeclinedShown {
			t.Fatalf("%d declined listed, %d counted: the fixture should have more than the list shows", len(o.Declined), o.Total.Declined)
		}
		var byID = map[int64]models.Assignment{}
		var as []models.Assignment
		db.Where("state = ?", models.StateDeclined).Find(&as)
		for _, a := range as {
			byID[a.ID] = a
		}
		reasons := map[models.DeclineReason]int{}
		for i, d := range o.Declined {
			a := byID[d.AssignmentID]
			var p models.Participant
			db.First(&p, a.ParticipantID)
			if d.Name != p.Name || d.Station.ID != a.StationID || d.TaskType.ID != a.TaskTypeID || d.Party.ID != a.PartyID ||
				d.Day != a.Day || d.Reason != a.DeclineReason || d.At == nil || !d.At.Equal(*a.AnsweredAt) {
				t.Errorf("declined %d: %+v, assignment %+v", d.AssignmentID, d, a)
			}
			if i > 0 && d.At.After(*o.Declined[i-1].At) {
				t.Errorf("declined list not newest first at %d", i)
			}
			reasons[d.Reason]++
		}
		listed := map[int64]bool{}
		for _, d := range o.Declined {
			listed[d.AssignmentID] = true
		}
		oldestListed := *o.Declined[len(o.Declined)-1].At
		for _, a := range as {
			if !listed[a.ID] && a.AnsweredAt.After(oldestListed) {
				t.Errorf("declined %d at %v is newer than the listed ones but not listed", a.ID, a.AnsweredAt)
			}
		}
		if reasons[models.DeclineNotThisTime] == 0 || reasons[models.DeclineRemoveMe] == 0 {
			t.Errorf("reasons: %v", reasons)
		}
	})
}
