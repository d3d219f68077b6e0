package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// searchFixture is the demo municipality with people on party A's and V's
// lists and the pool Frivillige, some of them with assignments.
type searchFixture struct {
	people
	keys     *vault.Keyring
	pool     models.Party
	election models.Election
	other    models.Election // a second election
	byName   map[string]models.Participant
	names    []string // everyone's names
}

func seedSearch(t *testing.T, db *gorm.DB) searchFixture {
	t.Helper()
	f := searchFixture{people: seedPeople(t, db), keys: withKeys(t, db), byName: map[string]models.Participant{}}
	now := time.Now().UTC()
	db.Where("name = ?", "Frivillige").First(&f.pool)
	db.First(&f.election)
	f.other = models.Election{Title: "Europa-Parlamentsvalg", Kind: models.EuropaParlamentsvalg, ElectionDay: f.election.ElectionDay.AddDays(30),
		State: models.ElectionActive, CreatedAt: now, UpdatedAt: now}
	if err := db.Create(&f.other).Error; err != nil {
		t.Fatal(err)
	}
	add := func(i int, name, mobile, email string, party int64) models.Participant {
		t.Helper()
		p, _, err := store.RegisterParticipant(ctx, db, f.keys, f.admin, store.NewParticipant{CPR: mustCPR(t, fmt.Sprintf("0101%02d%04d", 80, i)),
			Name: name, Mobile: mobile, Email: email, PartyID: party}, now)
		if err != nil {
			t.Fatalf("register %s: %v", name, err)
		}
		f.byName[name] = p
		f.names = append(f.names, name)
		return p
	}
	for i := range 55 {
		add(i, fmt.Sprintf("Person %02d", i+1), "", "", f.a.ID)
	}
	add(100, "Zander Hansen", "20304050", "zander@example.dk", f.a.ID)
	add(101, "Øster Jensen", "+4520304051", "Oster@Example.dk", f.a.ID)
	add(102, "Ågesen Mikkelsen", "", "", f.a.ID)
	add(103, "Aaberg Nielsen", "", "", f.a.ID)
	add(104, "Anna Ømark", "", "anna@example.dk", f.v.ID)
	add(105, "Bo Østergaard", "", "", f.v.ID)
	add(106, "Carl 50%_rabat", "", "", f.v.ID)
	// Zander is on V's list too, with the number and address V typed, and
	// Anna in the pool.
	if _, _, err := store.RegisterParticipant(ctx, db, f.keys, f.admin, store.NewParticipant{CPR: mustCPR(t, "0101800100"),
		Name: "Zander Hansen", Mobile: "20304060", Email: "zander@v.example.dk", PartyID: f.v.ID}, now); err != nil {
		t.Fatal(err)
	}
	for _, m := range []models.PartyMembership{{ParticipantID: f.byName["Anna Ømark"].ID, PartyID: f.pool.ID, CreatedAt: now}} {
		if err := db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
	}
	var station models.PollingStation
	var task models.TaskType
	db.First(&station)
	db.First(&task)
	assign := func(name string, e models.Election, party int64, state models.AssignmentState) {
		t.Helper()
		s := models.Slot{ElectionID: e.ID, StationID: station.ID, TaskTypeID: task.ID, Day: e.ElectionDay, PartyID: party, CreatedAt: now}
		if err := db.Create(&s).Error; err != nil {
			t.Fatal(err)
		}
		p := f.byName[name]
		a := models.Assignment{SlotID: s.ID, ParticipantID: p.ID, ElectionID: e.ID, StationID: station.ID, TaskTypeID: task.ID,
			PartyID: party, Day: s.Day, State: state, WorkflowID: payload.LifecycleID(s.ID, p.ID), NominatedAt: now, UpdatedAt: now}
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
	assign("Zander Hansen", f.election, f.a.ID, models.StateInvited)
	assign("Øster Jensen", f.election, f.a.ID, models.StateConfirmed)
	assign("Person 01", f.other, f.a.ID, models.StateInvited)
	assign("Anna Ømark", f.election, f.v.ID, models.StateInvited)
	return f
}

// search runs one search and fails on an error.
func (f searchFixture) search(t *testing.T, db *gorm.DB, actor models.User, q models.ParticipantQuery) models.ParticipantPage {
	t.Helper()
	page, err := store.SearchParticipants(ctx, db, f.keys, actor, q, time.Now().UTC())
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return page
}

func namesOf(ps []models.Participant) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestParticipantSearchPagesInDanishOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		first := f.search(t, db, f.admin, models.ParticipantQuery{})
		second := f.search(t, db, f.admin, models.ParticipantQuery{Page: 2})
		if first.Total != len(f.names) || second.Total != len(f.names) || first.Pages != 2 || len(first.Rows) != 50 {
			t.Fatalf("total %d/%d, pages %d, first page %d rows; want %d people on 2 pages", first.Total, second.Total, first.Pages,
				len(first.Rows), len(f.names))
		}
		got := append(namesOf(first.Rows), namesOf(second.Rows)...)
		want := slices.Clone(f.names)
		models.SortDanish(want, func(s string) string { return s })
		if !slices.Equal(got, want) {
			t.Fatalf("order across pages:\n got %q\nwant %q", got, want)
		}
		at := func(name string) int { return slices.Index(got, name) }
		if !(at("Zander Hansen") < at("Øster Jensen") && at("Øster Jensen") < at("Aaberg Nielsen") &&
			got[len(got)-1] == "Ågesen Mikkelsen" && at("Anna Ømark") == 0) {
			t.Errorf("not Danish order (… Z, Ø, Aa/Å): %q", got)
		}
		// The page's rows are decrypted, and only id, name and CPR are read.
		if c := first.Rows[0].CPR.Reveal(); len(c) != 10 || first.Rows[0].Mobile.Reveal() != "" {
			t.Errorf("row: CPR %q, mobile %q", c, first.Rows[0].Mobile.Reveal())
		}
		// Past the end: the last page.
		if p := f.search(t, db, f.admin, models.ParticipantQuery{Page: 9}); p.Page != 2 || len(p.Rows) != len(f.names)-50 {
			t.Errorf("page 9 of 2: page %d with %d rows", p.Page, len(p.Rows))
		}
	})
}

func TestParticipantSearchByNamePhoneEmailCPR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		for _, c := range []struct {
			q    string
			kind models.SearchKind
			want []string
		}{
			{"ø", models.SearchName, []string{"Anna Ømark", "Bo Østergaard", "Øster Jensen"}},
			{"ØSTER", models.SearchName, []string{"Bo Østergaard", "Øster Jensen"}},
			{"  jensen   øster ", models.SearchName, []string{"Øster Jensen"}},
			{"aaberg", models.SearchName, []string{"Aaberg Nielsen"}},
			{"50%", models.SearchName, []string{"Carl 50%_rabat"}},
			{"%", models.SearchName, []string{"Carl 50%_rabat"}},
			{"_", models.SearchName, []string{"Carl 50%_rabat"}},
			{"nobody", models.SearchName, []string{}},
			{"20 30 40 50", models.SearchPhone, []string{"Zander Hansen"}},
			{"+45 2030-4051", models.SearchPhone, []string{"Øster Jensen"}},
			{"20304059", models.SearchPhone, []string{}},
			{"oster@example.DK", models.SearchEmail, []string{"Øster Jensen"}},
			{" Anna@Example.dk ", models.SearchEmail, []string{"Anna Ømark"}},
			{"010180-0100", models.SearchCPR, []string{"Zander Hansen"}},
			{"0101800101", models.SearchCPR, []string{"Øster Jensen"}},
			{"0101809999", models.SearchCPR, []string{}},
		} {
			p := f.search(t, db, f.admin, models.ParticipantQuery{Q: c.q})
			if got := namesOf(p.Rows); p.Kind != c.kind || !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("%q: %s %q (total %d), want %s %q", c.q, p.Kind, got, p.Total, c.kind, c.want)
			}
		}
		for _, c := range []struct{ q, key string }{{"1234", "error.search.phone"}, {"3213991234", "error.search.cpr"},
			{"bad\x00name", "error.search.badtext"}} {
			_, err := store.SearchParticipants(ctx, db, f.keys, f.admin, models.ParticipantQuery{Q: c.q}, time.Now())
			if ue, ok := models.AsUserError(err); !ok || ue.Key != c.key {
				t.Errorf("%q: %v, want %s", c.q, err, c.key)
			}
		}
		if _, err := store.SearchParticipants(ctx, db, f.keys, f.admin, models.ParticipantQuery{State: "lost"}, time.Now()); err == nil {
			t.Error("an unknown state was accepted")
		}
	})
}

func TestParticipantSearchByCPRIsAuditedForStaffOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		zander := f.byName["Zander Hansen"]
		var before int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCPRLookup).Count(&before)

		// A party secretary never searches by CPR number, even their own
		// party's people: refused with a reason, and nothing looked up.
		_, err := store.SearchParticipants(ctx, db, f.keys, f.secA, models.ParticipantQuery{Q: "010180-0100"}, time.Now())
		if ue, ok := models.AsUserError(err); !ok || ue.Key != "error.search.cprstaff" {
			t.Fatalf("secretary's CPR search: %v", err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCPRLookup).Count(&n)
		if n != before {
			t.Errorf("a refused search was logged as a lookup")
		}

		f.search(t, db, f.admin, models.ParticipantQuery{Q: "0101800100"})
		f.search(t, db, f.admin, models.ParticipantQuery{Q: "0101809999"}) // no one
		var es []models.AuditEntry
		db.Where("action = ?", models.AuditCPRLookup).Order("id").Find(&es)
		if len(es) != int(before)+2 {
			t.Fatalf("%d lookups logged, want %d", len(es), before+2)
		}
		found, missing := es[len(es)-2], es[len(es)-1]
		if found.ActorID == nil || *found.ActorID != f.admin.ID || found.SubjectIndex == nil ||
			*found.SubjectIndex != store.CPRIndex(f.keys, mustCPR(t, "0101800100")) || found.ParticipantID == nil || *found.ParticipantID != zander.ID {
			t.Errorf("lookup entry: %+v", found)
		}
		if missing.SubjectIndex == nil || *missing.SubjectIndex != store.CPRIndex(f.keys, mustCPR(t, "0101809999")) || missing.ParticipantID != nil {
			t.Errorf("lookup of a number not registered: %+v", missing)
		}
		for _, e := range es {
			if tenDigits.MatchString(e.Detail) || e.Detail == "" {
				t.Errorf("detail %q", e.Detail)
			}
		}
		// The person's own audit log shows the lookup.
		log, err := store.AuditLogOf(ctx, db, zander.ID)
		if err != nil || !slices.ContainsFunc(log, func(e models.AuditEntry) bool { return e.ID == found.ID }) {
			t.Errorf("the lookup is not in the person's log: %v", err)
		}
	})
}

func TestParticipantSearchFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		for _, c := range []struct {
			name string
			q    models.ParticipantQuery
			want []string
		}{
			{"party V", models.ParticipantQuery{PartyID: f.v.ID}, []string{"Anna Ømark", "Bo Østergaard", "Carl 50%_rabat", "Zander Hansen"}},
			{"pool", models.ParticipantQuery{PoolID: f.pool.ID}, []string{"Anna Ømark"}},
			{"party V and pool", models.ParticipantQuery{PartyID: f.v.ID, PoolID: f.pool.ID}, []string{"Anna Ømark"}},
			{"election", models.ParticipantQuery{ElectionID: f.election.ID}, []string{"Anna Ømark", "Zander Hansen", "Øster Jensen"}},
			{"other election", models.ParticipantQuery{ElectionID: f.other.ID}, []string{"Person 01"}},
			{"election, invited", models.ParticipantQuery{ElectionID: f.election.ID, State: models.StateInvited}, []string{"Anna Ømark", "Zander Hansen"}},
			{"election, confirmed", models.ParticipantQuery{ElectionID: f.election.ID, State: models.StateConfirmed}, []string{"Øster Jensen"}},
			{"invited anywhere", models.ParticipantQuery{State: models.StateInvited}, []string{"Anna Ømark", "Person 01", "Zander Hansen"}},
			// Zander is on V's list, but invited for A: V's work has no Zander.
			{"party V, election", models.ParticipantQuery{PartyID: f.v.ID, ElectionID: f.election.ID}, []string{"Anna Ømark"}},
			{"party A, name", models.ParticipantQuery{PartyID: f.a.ID, Q: "ø"}, []string{"Øster Jensen"}},
			{"party V, phone", models.ParticipantQuery{PartyID: f.v.ID, Q: "20304050"}, []string{"Zander Hansen"}},
			{"pool, phone", models.ParticipantQuery{PoolID: f.pool.ID, Q: "20304050"}, []string{}},
		} {
			p := f.search(t, db, f.admin, c.q)
			if got := namesOf(p.Rows); !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("%s: %q (total %d), want %q", c.name, got, p.Total, c.want)
			}
		}
	})
}

func TestParticipantSearchOfAPartySecretary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		// Their own party's people, whatever the query says.
		own := f.search(t, db, f.secV, models.ParticipantQuery{})
		if got := namesOf(own.Rows); !slices.Equal(got, []string{"Anna Ømark", "Bo Østergaard", "Carl 50%_rabat", "Zander Hansen"}) ||
			own.Query.PartyID != f.v.ID {
			t.Fatalf("V's secretary sees %q (party %d)", got, own.Query.PartyID)
		}
		// Another party's id, the pool's, or a search for another party's
		// person: nothing, exactly as a search without results.
		none := f.search(t, db, f.secV, models.ParticipantQuery{Q: "nobody"})
		for _, q := range []models.ParticipantQuery{{PartyID: f.a.ID}, {PoolID: f.pool.ID}, {Q: "Jensen"}, {Q: "+4520304051"},
			{Q: "oster@example.dk"}, {PartyID: f.a.ID, Q: "Jensen"}, {ElectionID: f.other.ID}} {
			p := f.search(t, db, f.secV, q)
			if len(p.Rows) != 0 || p.Total != 0 || p.Pages != none.Pages || p.Page != none.Page {
				t.Errorf("V's secretary, %+v: %q (total %d)", q, namesOf(p.Rows), p.Total)
			}
		}
		// Zander is on V's list and invited for A: V's secretary finds him
		// by the phone and e-mail V typed, never by A's (which would confirm
		// what A typed), nor by A's assignment. Staff find him by either.
		for q, want := range map[string][]string{"20304060": {"Zander Hansen"}, "Zander@V.example.dk": {"Zander Hansen"},
			"20304050": nil, "zander@example.dk": nil} {
			if p := f.search(t, db, f.secV, models.ParticipantQuery{Q: q}); !slices.Equal(namesOf(p.Rows), want) {
				t.Errorf("V's secretary by %s: %q, want %q", q, namesOf(p.Rows), want)
			}
			if p := f.search(t, db, f.admin, models.ParticipantQuery{Q: q}); !slices.Equal(namesOf(p.Rows), []string{"Zander Hansen"}) {
				t.Errorf("staff by %s: %q", q, namesOf(p.Rows))
			}
		}
		if p := f.search(t, db, f.secV, models.ParticipantQuery{ElectionID: f.election.ID}); !slices.Equal(namesOf(p.Rows), []string{"Anna Ømark"}) {
			t.Errorf("V's secretary, election: %q", namesOf(p.Rows))
		}
		// A secretary without a party sees no one; read-only staff everyone.
		if p := f.search(t, db, models.User{ID: f.secV.ID, Role: models.RolePartySecretary}, models.ParticipantQuery{}); len(p.Rows) != 0 {
			t.Errorf("a secretary without a party sees %d", len(p.Rows))
		}
		ro := models.User{ID: f.admin.ID, Role: models.RoleReadOnly}
		if p := f.search(t, db, ro, models.ParticipantQuery{}); p.Total != len(f.names) {
			t.Errorf("read-only staff see %d of %d", p.Total, len(f.names))
		}
		if _, err := store.SearchParticipants(ctx, db, f.keys, models.User{ID: 1, Role: "guest"}, models.ParticipantQuery{}, time.Now()); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("an unknown role: %v", err)
		}
	})
}

func TestParticipantSearchColumnsFollowTheName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := withKeys(t, db)
		now := time.Now().UTC()
		p := models.Participant{CPR: models.NewSecret("0101801234"), CPRIndex: "x1", Name: "Åse Holm", Email: models.NewSecret("Aase@Example.dk"),
			CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		var row struct{ NameFold, SortKey string }
		read := func() {
			t.Helper()
			row = struct{ NameFold, SortKey string }{}
			db.Raw("SELECT name_fold, sort_key FROM participants WHERE id = ?", p.ID).Scan(&row)
		}
		read()
		if row.NameFold != "åse holm" || row.SortKey != models.ParticipantSortKey("Åse Holm") {
			t.Fatalf("created: %+v", row)
		}
		db.Model(&models.Participant{}).Where("id = ?", p.ID).Update("name", "Ærø Hansen")
		read()
		if row.NameFold != "ærø hansen" || row.SortKey != models.ParticipantSortKey("Ærø Hansen") {
			t.Errorf("Update(name): %+v", row)
		}
		db.Model(&p).Updates(map[string]any{"name": "Bo Berg"})
		read()
		if row.NameFold != "bo berg" {
			t.Errorf("Updates(map): %+v", row)
		}
		db.Model(&models.Participant{ID: p.ID}).Updates(models.Participant{Name: "Ida Ibsen"})
		read()
		if row.NameFold != "ida ibsen" {
			t.Errorf("Updates(struct): %+v", row)
		}
		db.First(&p, p.ID)
		p.Name = "Kaj Kirk"
		db.Save(&p)
		read()
		if row.NameFold != "kaj kirk" || row.SortKey != models.ParticipantSortKey("Kaj Kirk") {
			t.Errorf("Save: %+v", row)
		}

		// A row of before migration 27: the backfill fills it, the e-mail
		// index included, and then has nothing more to do.
		db.Exec("UPDATE participants SET name_fold = '', sort_key = '', email_index = NULL")
		n, err := store.BackfillParticipantSearch(ctx, db, keys)
		if err != nil || n != 1 {
			t.Fatalf("backfill: %d, %v", n, err)
		}
		read()
		var idx *string
		db.Raw("SELECT email_index FROM participants WHERE id = ?", p.ID).Scan(&idx)
		if row.NameFold != "kaj kirk" || row.SortKey == "" || idx == nil || *idx != store.EmailIndex(keys, "aase@example.dk") {
			t.Errorf("backfilled: %+v, %v", row, idx)
		}
		if n, err := store.BackfillParticipantSearch(ctx, db, keys); err != nil || n != 0 {
			t.Errorf("second backfill: %d, %v", n, err)
		}
	})
}

// TestParticipantSearchAt20000People finds one person among 20,000 by name,
// full CPR number and phone, and pages the whole list in Danish order.
func TestParticipantSearchAt20000People(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 people")
	}
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		keys := withKeys(t, db)
		start := time.Now()
		crowd := storetest.SeedCrowd(t, db, keys, 20000, []int64{p.a.ID, p.v.ID})
		t.Logf("seeded 20,000 people in %v", time.Since(start).Round(time.Millisecond))
		needle := crowd.IDs[crowd.Needle]
		search := func(actor models.User, q string) models.ParticipantPage {
			t.Helper()
			page, err := store.SearchParticipants(ctx, db, keys, actor, models.ParticipantQuery{Q: q}, time.Now())
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			return page
		}
		for _, q := range []string{"ørskov-unik", "XENIA", storetest.CrowdCPR(crowd.Needle), storetest.CrowdCPR(crowd.Needle)[:6] + "-" + storetest.CrowdCPR(crowd.Needle)[6:],
			storetest.CrowdMobile(crowd.Needle), storetest.CrowdMobile(crowd.Needle)[3:], fmt.Sprintf("person%d@example.dk", crowd.Needle)} {
			page := search(p.admin, q)
			if page.Total != 1 || len(page.Rows) != 1 || page.Rows[0].ID != needle || page.Rows[0].Name != crowd.NeedleName {
				t.Errorf("%q (%s): %d found, %q", q, page.Kind, page.Total, namesOf(page.Rows))
			}
		}
		// The needle is on A's list (even index): V's secretary does not
		// find them, A's does.
		if page := search(p.secV, "Xenia"); page.Total != 0 {
			t.Errorf("V's secretary finds A's person: %q", namesOf(page.Rows))
		}
		if page := search(p.secA, storetest.CrowdMobile(crowd.Needle)); page.Total != 1 {
			t.Errorf("A's secretary by phone: %d", page.Total)
		}
		// A common name: many, paged, each page in Danish order.
		page := search(p.admin, "søren")
		if page.Total < 100 || len(page.Rows) != models.ParticipantPageSize || page.Pages != (page.Total+49)/50 {
			t.Errorf("søren: %d found, %d rows, %d pages", page.Total, len(page.Rows), page.Pages)
		}
		// The whole list: 20,000 on 400 pages; the last page ends with the
		// Danish order's last name ("aa" in Aagaard is "å" twice).
		first := search(p.admin, "")
		last, err := store.SearchParticipants(ctx, db, keys, p.admin, models.ParticipantQuery{Page: first.Pages}, time.Now())
		if err != nil || first.Total != 20000 || first.Pages != 400 || len(last.Rows) != 50 {
			t.Fatalf("whole list: total %d, %d pages, last page %d rows, %v", first.Total, first.Pages, len(last.Rows), err)
		}
		names := append(namesOf(first.Rows), namesOf(last.Rows)...)
		sorted := slices.Clone(names)
		models.SortDanish(sorted, func(s string) string { return s })
		if !slices.Equal(names, sorted) || !strings.HasPrefix(names[0], "Anna ") || names[len(names)-1] != "Åse Aagaard" {
			t.Errorf("first and last pages not in Danish order: %q … %q", names[:3], names[len(names)-3:])
		}
	})
}

// An edited address is found by its new value and no longer by the old:
// the blind index follows the edit, the person's own (staff) and a
// party's typed one (its secretary).
func TestParticipantSearchFollowsAnEditedAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := seedSearch(t, db)
		now := time.Now().UTC()
		zander := f.byName["Zander Hansen"]
		edit := func(actor models.User, email string) {
			t.Helper()
			cur := f.search(t, db, actor, models.ParticipantQuery{Q: "Zander"})
			if len(cur.Rows) != 1 {
				t.Fatalf("Zander not found by %s", actor.Role)
			}
			var version int64
			if actor.Role == models.RolePartySecretary {
				db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", zander.ID, *actor.PartyID).Pluck("version", &version)
			} else {
				db.Model(&models.Participant{}).Where("id = ?", zander.ID).Pluck("version", &version)
			}
			if _, _, err := store.EditParticipant(ctx, db, f.keys, actor, zander.ID, store.ContactEdit{Email: &email, Version: version}, now); err != nil {
				t.Fatalf("edit by %s: %v", actor.Role, err)
			}
		}
		found := func(actor models.User, q string) bool {
			return len(f.search(t, db, actor, models.ParticipantQuery{Q: q}).Rows) == 1
		}
		edit(f.admin, "zander@new.example.dk")
		// (A's list still holds the old one A typed: staff find him by it too.)
		var own string
		db.Model(&models.Participant{}).Where("id = ?", zander.ID).Pluck("email_index", &own)
		if !found(f.admin, "zander@new.example.dk") || own != store.EmailIndex(f.keys, "zander@new.example.dk") {
			t.Error("staff's edit: the search does not follow the new address")
		}
		edit(f.secV, "zander@v2.example.dk")
		if !found(f.secV, "zander@v2.example.dk") || found(f.secV, "zander@v.example.dk") || found(f.secV, "zander@new.example.dk") {
			t.Error("V's edit: V's search does not follow V's new address only")
		}
	})
}
