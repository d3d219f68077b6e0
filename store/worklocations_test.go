package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// refusedWith fails t unless err is a UserError with key.
func refusedAs(t *testing.T, what string, err error, key string) {
	t.Helper()
	var ue *models.UserError
	if !errors.As(err, &ue) || ue.Key != key {
		t.Errorf("%s: %v, want a refusal %s", what, err, key)
	}
}

func stationCount(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&models.PollingStation{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWorkLocationsBesidePollingStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		var area models.Area
		db.First(&area)
		var types []models.TaskType
		db.Order("id").Find(&types)
		staff := p.admin
		desk := models.PollingStation{AreaID: area.ID, Kind: models.KindWorkLocation, Name: "Brevstemmemodtagelse", Address: "Torvet 1",
			PostalCode: "9990", City: "Sønderå", TaskTypeIDs: []int64{types[1].ID, types[0].ID, types[1].ID}}
		desk, err := store.SaveStation(ctx, db, staff, desk)
		if err != nil || desk.ID == 0 {
			t.Fatalf("a work location without a district: %+v, %v", desk, err)
		}
		// A second one: NULL districts do not collide.
		hall, err := store.SaveStation(ctx, db, staff, models.PollingStation{AreaID: area.ID, Kind: models.KindWorkLocation,
			Name: "Fintælling", Address: "Torvet 3", PostalCode: "9990", City: "Sønderå", TaskTypeIDs: []int64{types[0].ID}})
		if err != nil {
			t.Fatalf("a second work location: %v", err)
		}
		got, err := store.Station(ctx, db, desk.ID)
		if err != nil || got.Kind != models.KindWorkLocation || got.District != 0 || got.IsPollingStation() ||
			!slices.Equal(got.TaskTypeIDs, []int64{types[0].ID, types[1].ID}) {
			t.Fatalf("read back %+v, %v", got, err)
		}
		var null int64
		db.Model(&models.PollingStation{}).Where("district IS NULL").Count(&null)
		if null != 2 {
			t.Errorf("%d stations with a NULL district, want the 2 work locations", null)
		}

		// Refusals, each clear and keyed, and nothing written.
		before := stationCount(t, db)
		var taken models.PollingStation
		db.Where("kind = ?", models.KindPollingStation).Order("district").First(&taken)
		base := models.PollingStation{AreaID: area.ID, Name: "Ny Skole", Address: "Vej 1", PostalCode: "9990", City: "Sønderå"}
		noDistrict := base
		refused := func(what string, st models.PollingStation, key string) {
			t.Helper()
			_, err := store.SaveStation(ctx, db, staff, st)
			refusedAs(t, what, err, key)
		}
		refused("a polling station without a district", noDistrict, "error.station.districtmissing")
		dup := base
		dup.District = taken.District
		refused("a district taken", dup, "error.station.districttaken")
		withDistrict := base
		withDistrict.Kind, withDistrict.District, withDistrict.TaskTypeIDs = models.KindWorkLocation, 77, []int64{types[0].ID}
		refused("a work location with a district", withDistrict, "error.station.worklocationdistrict")
		noTypes := base
		noTypes.Kind = models.KindWorkLocation
		refused("a work location without task types", noTypes, "error.station.notasktypes")
		unknownType := base
		unknownType.Kind, unknownType.TaskTypeIDs = models.KindWorkLocation, []int64{999999}
		refused("a work location with an unknown task type", unknownType, "error.tasktype.unknown")
		badKind := base
		badKind.Kind, badKind.District = "hall", 50
		refused("an unknown kind", badKind, "error.station.kind")
		if n := stationCount(t, db); n != before {
			t.Fatalf("%d stations after refusals, want %d", n, before)
		}
		if got, _ := store.Station(ctx, db, desk.ID); !slices.Equal(got.TaskTypeIDs, []int64{types[0].ID, types[1].ID}) {
			t.Errorf("task types after refusals: %v", got.TaskTypeIDs)
		}
		// The database holds the rule too: a polling station needs a
		// district, a work location has none.
		if err := db.Exec(`INSERT INTO polling_stations (area_id, kind, name, address, postal_code, city, version) VALUES (?, 'polling_station', 'x', 'a', '9990', 'c', 1)`,
			area.ID).Error; err == nil {
			t.Error("the database took a polling station without a district")
		}
		if err := db.Exec(`INSERT INTO polling_stations (area_id, kind, name, address, postal_code, city, district, version) VALUES (?, 'work_location', 'x', 'a', '9990', 'c', 88, 1)`,
			area.ID).Error; err == nil {
			t.Error("the database took a work location with a district")
		}

		// A work location's task types change with a versioned edit; the
		// order lists polling stations by district, then work locations
		// by name in Danish order.
		desk.TaskTypeIDs = []int64{types[2].ID}
		if desk, err = store.SaveStation(ctx, db, staff, desk); err != nil || desk.Version != 2 {
			t.Fatalf("edit: %+v, %v", desk, err)
		}
		all, err := store.Stations(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		n := len(all)
		if all[n-2].ID != desk.ID || all[n-1].ID != hall.ID || !slices.Equal(all[n-2].TaskTypeIDs, []int64{types[2].ID}) ||
			!all[0].IsPollingStation() || all[0].District > all[1].District {
			t.Errorf("order: %+v", all)
		}
		// A work location can become a polling station, given a district.
		hall.Kind, hall.District = models.KindPollingStation, 90
		if hall, err = store.SaveStation(ctx, db, staff, hall); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.Station(ctx, db, hall.ID); got.District != 90 || !got.IsPollingStation() || len(got.TaskTypeIDs) != 0 {
			t.Errorf("turned into a polling station: %+v", got)
		}
		if ch, err := store.ChoicesOf(ctx, db); err != nil || ch.Stations[len(ch.Stations)-1].ID != desk.ID {
			t.Errorf("choices: the work location is not last: %v", err)
		}
	})
}

func TestElectionSystemExportLeavesOutWorkLocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		id := s.Election.Election.ID
		now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		desk, err := store.SaveStation(ctx, db, s.Staff, models.PollingStation{AreaID: s.Stations[0].AreaID, Kind: models.KindWorkLocation,
			Name: "Brevstemmemodtagelse", Address: "Torvet 1", PostalCode: "9990", City: "Sønderå", TaskTypeIDs: []int64{s.TaskType.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// A pool person serves at the postal-vote desk: slots there are
		// like any station's.
		deskPerson := storetest.SeedCrowd(t, db, s.keys, 1, []int64{s.Pool.ID}).IDs[0]
		slot := models.Slot{ElectionID: id, StationID: desk.ID, TaskTypeID: s.TaskType.ID, Day: s.Election.Election.ElectionDay.AddDays(-1),
			PartyID: s.Pool.ID, CreatedAt: now}
		if err := db.Create(&slot).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&models.Assignment{}).Where("id = ?", storetest.Nominate(t, db, slot, deskPerson).ID).
			Update("state", models.StateConfirmed).Error; err != nil {
			t.Fatal(err)
		}
		db.Model(&models.Participant{}).Where("id = ?", deskPerson).Update("name", "Dorte Desk")

		list, err := store.ParticipantList(ctx, db, s.Staff, id, models.ListFilter{States: store.ServingStates})
		if err != nil || !slices.ContainsFunc(list, func(r models.ListRow) bool { return r.Name == "Dorte Desk" && r.Station.ID == desk.ID }) {
			t.Fatalf("the lists (and station sheets) leave out the work location: %v", err)
		}
		rows, err := store.ElectionSystemExport(ctx, db, s.Staff, id, models.ListFilter{}, "csv", now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Name)
			if r.District == 0 {
				t.Errorf("%s exported without a district", r.Name)
			}
		}
		if want := []string{"Hemmelig Hansen", "Zacho Berg", "Ærø Jensen", "Aagaard Nielsen", "Åse Holm", "Bo Frivillig"}; !slices.Equal(got, want) {
			t.Fatalf("exported %q, want %q (never the work location's people)", got, want)
		}
		// Only the work location asked for: nothing, and nobody recorded as exported.
		rows, err = store.ElectionSystemExport(ctx, db, s.Staff, id, models.ListFilter{StationIDs: []int64{desk.ID}}, "csv", now)
		if err != nil || len(rows) != 0 {
			t.Fatalf("the work location alone: %d rows, %v", len(rows), err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND participant_id = ?", models.AuditExport, deskPerson).Count(&n)
		if n != 0 {
			t.Errorf("the work location's person is recorded as exported %d times", n)
		}
	})
}

func TestPlanOffersAWorkLocationOnlyItsTaskTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		var ft models.TaskType
		db.Where("short_name = ?", "FT").First(&ft)
		if ft.ID == 0 {
			t.Fatal("the demo has no Fintæller")
		}
		hall, err := store.SaveStation(ctx, db, f.staff, models.PollingStation{AreaID: f.stations[0].AreaID, Kind: models.KindWorkLocation,
			Name: "Fintælling", Address: "Torvet 3", PostalCode: "9990", City: "Sønderå", TaskTypeIDs: []int64{ft.ID}})
		if err != nil {
			t.Fatal(err)
		}
		pool := f.parties["Medarbejdere"].ID
		set := func(tt int64, n int) error {
			return store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t),
				Cell: models.PlanCell{StationID: hall.ID, TaskTypeID: tt, Day: f.day}, Counts: map[int64]int{pool: n}, Confirm: true}, f.now)
		}
		refusedAs(t, "tilforordnede at the counting hall", set(f.tt.ID, 2), "error.plan.notatworklocation")
		_, err = store.DistributeByQuota(ctx, db, f.staff, store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: f.version(t),
			TaskTypeID: f.tt.ID, Day: f.day, Counts: map[int64]int{f.stations[0].ID: 4, hall.ID: 3}, Confirm: true}, f.now)
		refusedAs(t, "a quota at the counting hall", err, "error.plan.notatworklocation")
		var n int64
		db.Model(&models.Slot{}).Where("station_id = ? OR station_id = ?", hall.ID, f.stations[0].ID).Count(&n)
		if n != 0 {
			t.Fatalf("%d slots after refusals", n)
		}
		if err := set(ft.ID, 4); err != nil {
			t.Fatalf("fintællere at the counting hall: %v", err)
		}
		// Zero of a task type it does not do is no slot: allowed.
		if err := set(f.tt.ID, 0); err != nil {
			t.Errorf("zero tilforordnede at the counting hall: %v", err)
		}
		plan, err := store.LoadPlan(ctx, db, f.staff, f.e.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := plan.Stations[len(plan.Stations)-1]
		if last.ID != hall.ID || last.Offers(f.tt.ID) || !last.Offers(ft.ID) || !plan.Stations[0].Offers(f.tt.ID) {
			t.Errorf("plan stations: %+v", plan.Stations)
		}
		if got := plan.Total(models.PlanCell{StationID: hall.ID, TaskTypeID: ft.ID, Day: f.day}).Slots; got != 4 {
			t.Errorf("%d slots at the counting hall, want 4", got)
		}
	})
}

// Migration 36 on a database with data: rows that reference the stations
// keep them (a table rebuild in the migration's transaction would have
// cascaded), every station is a polling station, and the district keeps
// its uniqueness.
func TestWorkLocationMigrationKeepsStationsAndWhatReferencesThem(t *testing.T) {
	for name, rawURL := range map[string]func(testing.TB) string{
		"sqlite": storetest.SQLiteURL, "postgres": storetest.PostgresDatabaseURL,
	} {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, rawURL(t))
			before := store.MigrationVersions()
			if err := store.MigrateTo(ctx, db, nil, before[len(before)-2]); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, stmt := range []string{
				`INSERT INTO areas (name) VALUES ('Midtby')`,
				`INSERT INTO polling_stations (area_id, name, address, postal_code, city, district) SELECT id, 'Åbyskolen', 'Skolevej 12', '9990', 'Sønderå', 2 FROM areas`,
				`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('s@x.example', 'S', 'staff', '', ?)`,
				`INSERT INTO user_stations (user_id, station_id) SELECT u.id, s.id FROM users u, polling_stations s`,
			} {
				var args []any
				if strings.Contains(stmt, "?") {
					args = []any{now}
				}
				if err := db.Exec(stmt, args...).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if err := store.Migrate(ctx, db, nil); err != nil {
				t.Fatal(err)
			}
			var st models.PollingStation
			if err := db.First(&st).Error; err != nil || st.Kind != models.KindPollingStation || st.District != 2 || st.Name != "Åbyskolen" {
				t.Fatalf("station after migration: %+v, %v", st, err)
			}
			var links int64
			db.Table("user_stations").Count(&links)
			if links != 1 {
				t.Fatalf("%d user_stations rows after migration, want 1", links)
			}
			if err := db.Exec(`INSERT INTO polling_stations (area_id, name, address, postal_code, city, district, version) VALUES (?, 'x', 'a', '9990', 'c', 2, 1)`,
				st.AreaID).Error; err == nil {
				t.Error("a second polling station with district 2 was taken")
			}
		})
	}
}

// `valghalla dev` shows work locations: the demo plan adds the postal-vote
// desk and the counting hall, and gives only the hall slots, of its own
// task type.
func TestDemoPlanHasWorkLocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		if _, err := store.SeedDemo(ctx, db, now); err != nil {
			t.Fatal(err)
		}
		if err := store.SeedDemoPlan(ctx, db, now); err != nil {
			t.Fatal(err)
		}
		all, err := store.Stations(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var work []models.PollingStation
		for _, st := range all {
			if !st.IsPollingStation() {
				work = append(work, st)
			}
		}
		if len(all) != 9 || len(work) != 2 || work[0].Name != "Brevstemmemodtagelse, Rådhuset" || len(work[0].TaskTypeIDs) != 1 {
			t.Fatalf("demo stations %+v", all)
		}
		for _, w := range work {
			var slots []models.Slot
			db.Where("station_id = ?", w.ID).Find(&slots)
			for _, s := range slots {
				if !w.Offers(s.TaskTypeID) {
					t.Errorf("%s has a slot of task type %d it does not do", w.Name, s.TaskTypeID)
				}
			}
			if want := map[bool]int{true: 0, false: 4}[w.Name == work[0].Name]; len(slots) != want {
				t.Errorf("%s: %d slots, want %d", w.Name, len(slots), want)
			}
		}
	})
}
