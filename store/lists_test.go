package store_test

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
)

// listSeed: seven people of party A at the first station on election day
// (one with a protected address), each in a state; one pool person at the
// second station; a read-only staff member and a secretary of A.
type listSeed struct {
	storetest.Election
	byName    map[string]models.Participant
	readOnly  models.User
	secretary models.User
	keys      *vault.Keyring
}

var listNames = []string{"Åse Holm", "Ærø Jensen", "Øster Hansen", "Zacho Berg", "Aagaard Nielsen", "Anders And", "Hemmelig Hansen"}

func seedLists(t *testing.T, db *gorm.DB) listSeed {
	t.Helper()
	keys := storetest.WithKeys(t, db)
	s := listSeed{Election: storetest.SeedElection(t, db, models.NewDate(2026, 11, 3), 2, 0, 8), byName: map[string]models.Participant{},
		keys: keys}
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	states := []models.AssignmentState{models.StateConfirmed, models.StateCompleted, models.StateInvited, models.StateConfirmed,
		models.StateConfirmed, models.StateDeclined, models.StateConfirmed}
	for i, name := range listNames {
		p := s.People[i]
		p.Name, p.SpecialDiet, p.ProtectedAddress = name, models.NewSecret(map[bool]string{true: "Vegetar"}[i == 1]), name == "Hemmelig Hansen"
		must(db.Model(&p).Select("name", "special_diet", "protected_address").Updates(&p).Error)
		// What party A typed, as a registration leaves it on its membership.
		must(db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", p.ID, s.Party.ID).
			Select("email", "special_diet").Updates(&models.PartyMembership{Email: p.Email, SpecialDiet: p.SpecialDiet}).Error)
		s.byName[name] = p
		slot := models.Slot{ElectionID: s.Election.Election.ID, StationID: s.Stations[0].ID, TaskTypeID: s.TaskType.ID,
			Day: s.Election.Election.ElectionDay, PartyID: s.Party.ID, CreatedAt: now}
		must(db.Create(&slot).Error)
		a := storetest.Nominate(t, db, slot, p.ID)
		must(db.Model(&a).Update("state", states[i]).Error)
	}
	pool := s.People[7]
	must(db.Model(&pool).Update("name", "Bo Frivillig").Error)
	s.byName["Bo Frivillig"] = pool
	slot := models.Slot{ElectionID: s.Election.Election.ID, StationID: s.Stations[1].ID, TaskTypeID: s.TaskType.ID,
		Day: s.Election.Election.ElectionDay, PartyID: s.Pool.ID, CreatedAt: now}
	must(db.Create(&slot).Error)
	must(db.Model(&models.Assignment{}).Where("id = ?", storetest.Nominate(t, db, slot, pool.ID).ID).
		Update("state", models.StateConfirmed).Error)
	s.readOnly = models.User{Email: "ro@example.dk", Name: "Læser", Role: models.RoleReadOnly, CreatedAt: now}
	must(db.Create(&s.readOnly).Error)
	s.secretary = models.User{Email: "sek@example.dk", Name: "Sekretær A", Role: models.RolePartySecretary, PartyID: &s.Party.ID, CreatedAt: now}
	must(db.Create(&s.secretary).Error)
	return s
}

func names(rows []models.ListRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

func TestParticipantListIsDanishScopedAndMarksProtectedAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		id := s.Election.Election.ID
		rows, err := store.ParticipantList(ctx, db, s.Staff, id, models.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Station by station (Skole 1, Skole 2), then Danish order by
		// name: Z, Æ, Ø, then "Aa" sorted as Å (x/text/collate's
		// Danish), before "Åse" (g < s).
		want := []string{"Anders And", "Hemmelig Hansen", "Zacho Berg", "Ærø Jensen", "Øster Hansen", "Aagaard Nielsen", "Åse Holm", "Bo Frivillig"}
		if got := names(rows); !slices.Equal(got, want) {
			t.Fatalf("list %q, want %q", got, want)
		}
		// The protected person is on the staff's list, marked, with their
		// contact data (staff reach them); nobody else is marked.
		if h := rows[1]; !h.Protected || h.Email == "" {
			t.Errorf("protected row on a staff list %+v", h)
		}
		for _, r := range rows {
			if r.Protected != (r.Name == "Hemmelig Hansen") {
				t.Errorf("%s marked protected: %v", r.Name, r.Protected)
			}
		}
		r := rows[3] // Ærø Jensen
		if r.Station.Name != "Skole 1" || r.Station.District != 1 || r.TaskType.Name != "Tilforordnet" || r.AllowanceKr() != 1320 ||
			r.Party.Letter != "A" || r.Day != s.Election.Election.ElectionDay || r.State != models.StateCompleted ||
			r.SpecialDiet != "Vegetar" || r.Email != "person2@example.dk" {
			t.Errorf("row %+v", r)
		}
		if rows[7].Party.ID != s.Pool.ID {
			t.Errorf("pool row's party %+v", rows[7].Party)
		}

		// Filters.
		for _, tc := range []struct {
			name string
			f    models.ListFilter
			want []string
		}{
			{"invited", models.ListFilter{States: []models.AssignmentState{models.StateInvited}}, []string{"Øster Hansen"}},
			{"second station", models.ListFilter{StationIDs: []int64{s.Stations[1].ID}}, []string{"Bo Frivillig"}},
			{"pool", models.ListFilter{PartyIDs: []int64{s.Pool.ID}}, []string{"Bo Frivillig"}},
			{"other day", models.ListFilter{Day: s.Election.Election.ElectionDay.AddDays(-1)}, nil},
			{"serving", models.ListFilter{States: store.ServingStates, StationIDs: []int64{s.Stations[0].ID}},
				[]string{"Hemmelig Hansen", "Zacho Berg", "Ærø Jensen", "Aagaard Nielsen", "Åse Holm"}},
		} {
			rows, err := store.ParticipantList(ctx, db, s.readOnly, id, tc.f)
			if got := names(rows); err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q (%v)", tc.name, got, tc.want, err)
			}
		}
		// Asked by state: the protected person is there too.
		rows, _ = store.ParticipantList(ctx, db, s.Staff, id, models.ListFilter{States: []models.AssignmentState{models.StateConfirmed}})
		if !slices.Contains(names(rows), "Hemmelig Hansen") {
			t.Error("a person with a protected address is left out of a staff list")
		}
		if _, err := store.ParticipantList(ctx, db, s.Staff, id, models.ListFilter{States: []models.AssignmentState{"bogus"}}); err == nil {
			t.Error("an unknown state is accepted")
		}
		if _, err := store.ParticipantList(ctx, db, s.Staff, id+100, models.ListFilter{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown election: %v", err)
		}
	})
}

func TestParticipantListOfAPartySecretary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		id := s.Election.Election.ID
		rows, err := store.ParticipantList(ctx, db, s.secretary, id, models.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(rows); slices.Contains(got, "Bo Frivillig") || len(got) != 7 {
			t.Fatalf("secretary of A sees %q", got)
		}
		for _, r := range rows {
			if r.Party.ID != s.Party.ID {
				t.Errorf("secretary sees a row of party %d", r.Party.ID)
			}
			// The protected person by name only: station, task, day and
			// state, no contact data nor diet; the others with theirs.
			if r.Name == "Hemmelig Hansen" {
				if r.Mobile != "" || r.Email != "" || r.SpecialDiet != "" || r.Station.ID != s.Stations[0].ID ||
					r.TaskType.ID != s.TaskType.ID || r.State != models.StateConfirmed {
					t.Errorf("the secretary's row of the protected person %+v", r)
				}
			} else if r.Email == "" {
				t.Errorf("the secretary's row of %s lacks contact data: %+v", r.Name, r)
			}
		}
		if _, err := store.ParticipantList(ctx, db, s.secretary, id, models.ListFilter{PartyIDs: []int64{s.Pool.ID}}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("secretary asking for the pool: %v", err)
		}
		scope, err := store.ListScopeOf(ctx, db, s.secretary, id)
		if err != nil || !scope.OneParty || len(scope.Parties) != 1 || scope.Parties[0].ID != s.Party.ID {
			t.Errorf("secretary's scope %+v (%v)", scope.Parties, err)
		}

		// Limited to the second station: nothing of party A is there.
		if err := store.LimitToStations(db, &s.secretary, []int64{s.Stations[1].ID}); err != nil {
			t.Fatal(err)
		}
		rows, err = store.ParticipantList(ctx, db, s.secretary, id, models.ListFilter{})
		if err != nil || len(rows) != 0 {
			t.Errorf("limited secretary: %q (%v)", names(rows), err)
		}
		if _, err := store.ParticipantList(ctx, db, s.secretary, id, models.ListFilter{StationIDs: []int64{s.Stations[0].ID}}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("limited secretary asking for another station: %v", err)
		}

		// Drafts are not theirs to list.
		db.Model(&models.Election{}).Where("id = ?", id).Update("state", models.ElectionDraft)
		if _, err := store.ParticipantList(ctx, db, s.secretary, id, models.ListFilter{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("secretary listing a draft: %v", err)
		}
	})
}

var digitsLikeCPR = regexp.MustCompile(`\d{6}-?\d{4}`)

func TestElectionSystemExportHasFullCPRAndIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		id := s.Election.Election.ID
		now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		for _, u := range []models.User{s.readOnly, s.secretary} {
			if _, err := store.ElectionSystemExport(ctx, db, u, id, models.ListFilter{}, "csv", now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s: %v", u.Role, err)
			}
		}
		rows, err := store.ElectionSystemExport(ctx, db, s.Staff, id, models.ListFilter{}, "xlsx", now)
		if err != nil {
			t.Fatal(err)
		}
		// The serving (confirmed, completed), the protected person with
		// them, marked: left out, they would be missing from the election
		// system.
		var got []string
		for _, r := range rows {
			got = append(got, r.Name)
			if r.Protected != (r.Name == "Hemmelig Hansen") {
				t.Errorf("%s marked protected: %v", r.Name, r.Protected)
			}
		}
		if want := []string{"Hemmelig Hansen", "Zacho Berg", "Ærø Jensen", "Aagaard Nielsen", "Åse Holm", "Bo Frivillig"}; !slices.Equal(got, want) {
			t.Fatalf("exported %q, want %q", got, want)
		}
		first := rows[1] // Zacho Berg is person 4: CPR 0101700003
		if first.CPR != "010170-0003" || first.BirthDate != models.NewDate(1970, 1, 1) || first.District != 1 || first.TaskType != "Tilforordnet" {
			t.Errorf("row %+v", first)
		}

		var entries []models.AuditEntry
		db.Where("action = ?", models.AuditExport).Order("id").Find(&entries)
		if len(entries) != 1+len(rows) {
			t.Fatalf("%d audit entries, want %d", len(entries), 1+len(rows))
		}
		if entries[0].ParticipantID != nil || !strings.Contains(entries[0].Detail, "valgsystem") || !strings.Contains(entries[0].Detail, "6 rows") ||
			entries[0].ActorID == nil || *entries[0].ActorID != s.Staff.ID {
			t.Errorf("summary entry %+v", entries[0])
		}
		for _, e := range entries {
			if digitsLikeCPR.MatchString(e.Detail) || strings.Contains(e.Detail, "Zacho") {
				t.Errorf("audit detail holds personal data: %q", e.Detail)
			}
		}
		// A subject-access request finds the export.
		log, _ := store.AuditLogOf(ctx, db, s.byName["Åse Holm"].ID)
		if !slices.ContainsFunc(log, func(e models.AuditEntry) bool { return e.Action == models.AuditExport }) {
			t.Error("the export is not in Åse Holm's audit log")
		}
		log, _ = store.AuditLogOf(ctx, db, s.byName["Hemmelig Hansen"].ID)
		if !slices.ContainsFunc(log, func(e models.AuditEntry) bool { return e.Action == models.AuditExport }) {
			t.Error("the export is not in the protected person's audit log")
		}
	})
}

func TestRecordExportAndProtectedAddressAtRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		keys := s.keys
		now := time.Now().UTC()
		if err := store.RecordExport(ctx, db, s.Staff, models.ExportRecord{ElectionID: s.Election.Election.ID, List: "diaeter",
			Format: "csv", Rows: 4}, now); err != nil {
			t.Fatal(err)
		}
		var e models.AuditEntry
		db.Where("action = ?", models.AuditExport).Last(&e)
		if e.Detail != "list diaeter of election "+strconv.FormatInt(s.Election.Election.ID, 10)+" as csv: 4 rows" || e.ParticipantID != nil {
			t.Errorf("entry %+v", e)
		}

		number, _ := models.ParseCPR("1212124015")
		in := store.NewParticipant{CPR: number, Name: "Henrik Bæk", PartyID: s.Party.ID}
		p, _, err := store.RegisterParticipant(ctx, db, keys, s.Staff, in, now)
		if err != nil || p.ProtectedAddress {
			t.Fatalf("registered %+v (%v)", p.ProtectedAddress, err)
		}
		// Registered again, now with protection: the flag is turned on.
		in.ProtectedAddress, in.PartyID = true, s.Pool.ID
		if _, _, err := store.RegisterParticipant(ctx, db, keys, s.Staff, in, now); err != nil {
			t.Fatal(err)
		}
		var got models.Participant
		db.First(&got, p.ID)
		if !got.ProtectedAddress {
			t.Error("a second registration with protection did not set it")
		}
		other, _ := models.ParseCPR("1212124016")
		q, _, _ := store.RegisterParticipant(ctx, db, keys, s.Staff, store.NewParticipant{CPR: other, Name: "Else Frølund", PartyID: s.Party.ID}, now)
		if err := store.MarkProtectedAddress(ctx, db, keys, other); err != nil {
			t.Fatal(err)
		}
		db.First(&got, q.ID)
		if !got.ProtectedAddress {
			t.Error("MarkProtectedAddress did not mark")
		}
	})
}

func TestProtectedAmong(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedLists(t, db)
		ids := []int64{s.byName["Åse Holm"].ID, s.byName["Hemmelig Hansen"].ID, s.byName["Hemmelig Hansen"].ID, s.byName["Bo Frivillig"].ID}
		got, err := store.ProtectedAmong(ctx, db, ids)
		if err != nil || len(got) != 1 || !got[s.byName["Hemmelig Hansen"].ID] {
			t.Errorf("protected among %v: %v (%v)", ids, got, err)
		}
	})
}
