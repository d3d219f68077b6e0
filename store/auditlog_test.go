package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// auditWorld is a log around midnight in Copenhagen on 3 November 2026
// (CET, UTC+1): entries by staff, an administrator and the system, about a
// registered person, and lookups of a registered and of a never-registered
// CPR number.
type auditWorld struct {
	db                  *gorm.DB
	staff, admin        models.User
	p0, p1              models.Participant
	registeredIndex     string // p0's CPR number's blind index
	unregisteredIndex   string // a number never registered
	e1, e2, e3, e4, e5  int64
	unregisteredNumber  models.CPR
	registeredNumberCPR models.CPR
}

func newAuditWorld(t *testing.T, db *gorm.DB) *auditWorld {
	t.Helper()
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2026, 11, 18), 1, 1, 2)
	w := &auditWorld{db: db, staff: e.Staff, p0: e.People[0], p1: e.People[1]}
	w.admin = models.User{Email: "admin@example.dk", Name: "Administrator", Role: models.RoleAdmin, CreatedAt: time.Now().UTC()}
	must(t, db.Create(&w.admin).Error)
	var err error
	if w.registeredNumberCPR, err = models.ParseCPR("0101704001"); err != nil {
		t.Fatal(err)
	}
	if w.unregisteredNumber, err = models.ParseCPR("0202804002"); err != nil {
		t.Fatal(err)
	}
	w.registeredIndex = store.CPRIndex(keys, w.registeredNumberCPR)
	w.unregisteredIndex = store.CPRIndex(keys, w.unregisteredNumber)
	must(t, db.Model(&w.p0).Update("cpr_index", w.registeredIndex).Error)
	add := func(at time.Time, actor *int64, action models.AuditAction, pid *int64, subject *string, detail string) int64 {
		t.Helper()
		en := models.AuditEntry{At: at, ActorID: actor, Action: action, ParticipantID: pid, SubjectIndex: subject, Detail: detail}
		must(t, db.Create(&en).Error)
		return en.ID
	}
	utc := func(d, h, m, s, ns int) time.Time { return time.Date(2026, 11, d, h, m, s, ns, time.UTC) }
	// 2 November 23:59:59 in Copenhagen.
	w.e1 = add(utc(2, 22, 59, 59, 0), &w.staff.ID, models.AuditParticipantRead, &w.p0.ID, nil, "e1")
	// 3 November 00:00:00.
	w.e2 = add(utc(2, 23, 0, 0, 0), nil, models.AuditLifecycle, &w.p1.ID, nil, "e2")
	// 3 November 23:59:59.5: a lookup of someone never registered.
	w.e3 = add(utc(3, 22, 59, 59, 500_000_000), &w.admin.ID, models.AuditCPRLookup, nil, &w.unregisteredIndex, "e3")
	// 4 November 00:00:00: a lookup of p0's number.
	w.e4 = add(utc(3, 23, 0, 0, 0), &w.admin.ID, models.AuditCPRLookup, nil, &w.registeredIndex, "e4")
	// 5 November: nobody's.
	w.e5 = add(utc(5, 9, 0, 0, 0), &w.staff.ID, models.AuditElectionChanged, nil, nil, "e5")
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ids reads every entry f chooses, a page of 50.
func (w *auditWorld) ids(t *testing.T, f models.AuditFilter) []int64 {
	t.Helper()
	page, err := store.AuditLog(context.Background(), w.db, f, models.AuditCursor{}, models.AuditCursor{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !page.Older.IsZero() || !page.Newer.IsZero() {
		t.Errorf("one page of %d has cursors %+v", len(page.Rows), page)
	}
	var out []int64
	for _, r := range page.Rows {
		out = append(out, r.ID)
	}
	return out
}

func TestAuditLogFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newAuditWorld(t, db)
		for _, c := range []struct {
			name string
			f    models.AuditFilter
			want []int64
		}{
			{"everything, newest first", models.AuditFilter{}, []int64{w.e5, w.e4, w.e3, w.e2, w.e1}},
			{"by staff", models.AuditFilter{ActorID: w.staff.ID}, []int64{w.e5, w.e1}},
			{"by the administrator", models.AuditFilter{ActorID: w.admin.ID}, []int64{w.e4, w.e3}},
			{"by the system", models.AuditFilter{System: true}, []int64{w.e2}},
			{"CPR lookups", models.AuditFilter{Action: models.AuditCPRLookup}, []int64{w.e4, w.e3}},
			{"action by actor", models.AuditFilter{Action: models.AuditCPRLookup, ActorID: w.staff.ID}, nil},
			// p0 by id: their read, and the lookup of their number.
			{"person p0 by id", models.AuditFilter{ParticipantID: w.p0.ID}, []int64{w.e4, w.e1}},
			{"person p1 by id", models.AuditFilter{ParticipantID: w.p1.ID}, []int64{w.e2}},
			// p0 by CPR number: the same.
			{"registered person by CPR", models.AuditFilter{SubjectIndex: w.registeredIndex}, []int64{w.e4, w.e1}},
			{"never-registered person by CPR", models.AuditFilter{SubjectIndex: w.unregisteredIndex}, []int64{w.e3}},
			// Copenhagen days: 3 November is 23:00 UTC on the 2nd to 23:00 on the 3rd.
			{"3 November in Copenhagen", models.AuditFilter{From: models.NewDate(2026, 11, 3), To: models.NewDate(2026, 11, 3)}, []int64{w.e3, w.e2}},
			{"until 2 November", models.AuditFilter{To: models.NewDate(2026, 11, 2)}, []int64{w.e1}},
			{"from 4 November", models.AuditFilter{From: models.NewDate(2026, 11, 4)}, []int64{w.e5, w.e4}},
			{"3 and 4 November, by the administrator", models.AuditFilter{From: models.NewDate(2026, 11, 3), To: models.NewDate(2026, 11, 4),
				ActorID: w.admin.ID}, []int64{w.e4, w.e3}},
		} {
			if got := w.ids(t, c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
}

// The rows name the actor and the person; a lookup of a number never
// registered is marked as one.
func TestAuditLogRowsNameActorAndPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newAuditWorld(t, db)
		page, err := store.AuditLog(context.Background(), db, models.AuditFilter{}, models.AuditCursor{}, models.AuditCursor{}, 50)
		if err != nil {
			t.Fatal(err)
		}
		rows := map[int64]models.AuditRow{}
		for _, r := range page.Rows {
			rows[r.ID] = r
		}
		if r := rows[w.e1]; r.ActorName != w.staff.Name || r.PersonName != w.p0.Name || r.Unregistered() {
			t.Errorf("e1: %+v", r)
		}
		if r := rows[w.e2]; r.ActorID != nil || r.ActorName != "" || r.PersonName != w.p1.Name {
			t.Errorf("e2 (system): %+v", r)
		}
		if r := rows[w.e3]; r.ActorName != w.admin.Name || r.PersonName != "" || !r.Unregistered() {
			t.Errorf("e3 (never registered): %+v", r)
		}
		if r := rows[w.e5]; r.PersonName != "" || r.Unregistered() {
			t.Errorf("e5 (nobody's): %+v", r)
		}
		if !rows[w.e3].At.Equal(time.Date(2026, 11, 3, 22, 59, 59, 500_000_000, time.UTC)) {
			t.Errorf("e3 at %v", rows[w.e3].At)
		}
	})
}

// Paging walks the log newest first with no entry twice and none missed,
// also among entries of the same instant and while new entries arrive;
// walking back gives the same pages.
func TestAuditLogPagingIsStable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newAuditWorld(t, db)
		ctx := context.Background()
		same := time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)
		for range 7 {
			must(t, store.Audit(db, models.AuditEntry{At: same, ActorID: &w.staff.ID, Action: models.AuditParticipantRead, Detail: "tie"}))
		}
		var all []models.AuditEntry
		must(t, db.Order("at DESC, id DESC").Find(&all).Error)
		var want []int64
		for _, e := range all {
			want = append(want, e.ID)
		}
		var got []int64
		var pages [][]int64
		var cur models.AuditCursor
		for n := 0; ; n++ {
			page, err := store.AuditLog(ctx, db, models.AuditFilter{}, cur, models.AuditCursor{}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && !page.Newer.IsZero() {
				t.Error("the first page has a newer page")
			}
			if n > 0 && page.Newer.IsZero() {
				t.Errorf("page %d has no newer page", n+1)
			}
			var ids []int64
			for _, r := range page.Rows {
				ids = append(ids, r.ID)
			}
			pages, got = append(pages, ids), append(got, ids...)
			if n == 0 {
				// A reading of the log arrives meanwhile: the pages do not shift.
				must(t, store.Audit(db, models.AuditEntry{At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Action: models.AuditAuditLogRead, Detail: "new"}))
			}
			if page.Older.IsZero() {
				break
			}
			if n > 10 {
				t.Fatal("paging does not end")
			}
			cur = page.Older
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
		if len(pages) != 4 || len(pages[3]) != 3 {
			t.Fatalf("pages %v: want 4 of 3", pages)
		}
		// Back from the last page: the same pages in reverse.
		last := pages[len(pages)-1]
		var lastEntry models.AuditEntry
		must(t, db.First(&lastEntry, last[0]).Error)
		newer := models.AuditCursor{At: lastEntry.At, ID: lastEntry.ID}
		for i := len(pages) - 2; i >= 0; i-- {
			page, err := store.AuditLog(ctx, db, models.AuditFilter{}, models.AuditCursor{}, newer, 3)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range page.Rows {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, pages[i]) {
				t.Errorf("back to page %d: %v, want %v", i+1, ids, pages[i])
			}
			if page.Older.IsZero() {
				t.Errorf("back to page %d: no older page", i+1)
			}
			// Back on the first page, the reading that arrived meanwhile
			// is newer still.
			if page.Newer.IsZero() {
				t.Errorf("back to page %d: no newer page", i+1)
				break
			}
			newer = page.Newer
		}
	})
}

// An export reads every entry, in batches, in the page's order.
func TestEachAuditEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newAuditWorld(t, db)
		var got []int64
		batches := 0
		err := store.EachAuditEntry(context.Background(), db, models.AuditFilter{}, 2, func(rows []models.AuditRow) error {
			batches++
			for _, r := range rows {
				got = append(got, r.ID)
			}
			return nil
		})
		must(t, err)
		if want := []int64{w.e5, w.e4, w.e3, w.e2, w.e1}; !slices.Equal(got, want) || batches != 3 {
			t.Errorf("exported %v in %d batches, want %v in 3", got, batches, want)
		}
	})
}

// Migration 27 gives the log its indexes by actor and by action.
func TestAuditLogIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		for _, name := range []string{"audit_log_at", "audit_log_actor", "audit_log_action", "audit_log_participant", "audit_log_subject"} {
			var n int64
			q := "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
			if store.DialectOf(db) == store.Postgres {
				q = "SELECT count(*) FROM pg_indexes WHERE tablename = 'audit_log' AND indexname = ?"
			}
			must(t, db.Raw(q, name).Scan(&n).Error)
			if n != 1 {
				t.Errorf("index %s: %d", name, n)
			}
		}
	})
}
