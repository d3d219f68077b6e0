package recruit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store/storetest"
)

// register is a CPR register that knows everyone as an eligible Dane of
// the seeded municipality and counts how often it is asked.
type register struct{ asked atomic.Int64 }

func (r *register) Lookup(_ context.Context, number models.CPR) (cpr.Person, error) {
	r.asked.Add(1)
	p := cpr.Person{GivenName: "Test", Surname: "Person " + number.Digits()[6:]}
	p.CPR, p.Status, p.Citizenship, p.MunicipalityCode = number, "01", "5100", "0999"
	p.ResidentSince = number.BirthDate()
	return p, nil
}

// limitSetup is a seeded election, a party secretary of its party, the
// limits set small, a clock the test moves and the counting register.
type limitSetup struct {
	e         storetest.Election
	db        *gorm.DB
	svc       *recruit.Service
	reg       *register
	secretary models.User
	clock     *time.Time
}

func setUpLimits(t *testing.T, lookups, rows int) limitSetup {
	t.Helper()
	return setUpLimitsIn(t, storetest.SQLite(t), lookups, rows)
}

func setUpLimitsIn(t *testing.T, db *gorm.DB, lookups, rows int) limitSetup {
	t.Helper()
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 2, 4, 0)
	if err := db.Model(&models.Municipality{}).Where("1 = 1").Updates(map[string]any{"secretary_lookups_per_day": lookups,
		"secretary_csv_rows": rows}).Error; err != nil {
		t.Fatal(err)
	}
	sec := models.User{Email: "sek@example.dk", Name: "Sekretær", Role: models.RolePartySecretary, PartyID: &e.Party.ID, CreatedAt: now}
	if err := db.Create(&sec).Error; err != nil {
		t.Fatal(err)
	}
	// 23:00 in Copenhagen on 1 December.
	clock := time.Date(2026, time.December, 1, 22, 0, 0, 0, time.UTC)
	reg := &register{}
	svc := recruit.New(recruit.Config{DB: db, Keys: keys, CPR: reg, Now: func() time.Time { return clock }})
	return limitSetup{e: e, db: db, svc: svc, reg: reg, secretary: sec, clock: &clock}
}

func cprOf(i int) string { return fmt.Sprintf("0101704%03d", i) }

func (s limitSetup) register(actor models.User, i int) error {
	_, err := s.svc.RegisterParticipant(context.Background(), actor, recruit.Registration{Person: recruit.Person{CPR: cprOf(i)},
		PartyID: s.e.Party.ID})
	return err
}

func (s limitSetup) count(t *testing.T, model any, where ...any) int64 {
	t.Helper()
	var n int64
	q := s.db.Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLookupLimitOfAPartySecretary(t *testing.T) {
	s := setUpLimits(t, 3, 500)
	ctx := context.Background()
	// Registration and nomination by CPR number count alike.
	for i := range 2 {
		if err := s.register(s.secretary, i); err != nil {
			t.Fatalf("lookup %d: %v", i+1, err)
		}
	}
	cell := recruit.Placement{PartyID: s.e.Party.ID, StationID: s.e.Stations[0].ID, TaskTypeID: s.e.TaskType.ID, Day: s.e.Election.ElectionDay}
	if _, err := s.svc.Nominate(ctx, s.secretary, recruit.Nomination{ElectionID: s.e.Election.ID, To: cell,
		Person: recruit.Person{CPR: cprOf(2)}}); err != nil {
		t.Fatalf("lookup 3 (a nomination): %v", err)
	}
	before := s.count(t, &models.Participant{})

	// The fourth of the day is refused, with the limit named, and the
	// register is not asked; nothing is stored.
	for _, try := range []func() error{
		func() error { return s.register(s.secretary, 3) },
		func() error {
			_, err := s.svc.Nominate(ctx, s.secretary, recruit.Nomination{ElectionID: s.e.Election.ID, To: cell,
				Person: recruit.Person{CPR: cprOf(4)}})
			return err
		},
	} {
		err := try()
		r, ok := recruit.AsRefusal(err)
		if !ok || r.Kind != recruit.TooMany || r.Key != "error.lookups.limit" {
			t.Fatalf("a lookup past the limit: %v", err)
		}
		if da := locale.Error(locale.Danish, err); !strings.Contains(da, "Du har nået grænsen på 3 opslag i CPR-registret i dag") {
			t.Errorf("Danish %q", da)
		}
		if en := locale.Error(locale.English, err); !strings.Contains(en, "limit of 3 lookups in the CPR register today") {
			t.Errorf("English %q", en)
		}
	}
	if n := s.reg.asked.Load(); n != 3 {
		t.Errorf("the register was asked %d times, want 3", n)
	}
	if n := s.count(t, &models.Participant{}); n != before {
		t.Errorf("%d people stored after refusals, want %d", n, before)
	}
	if n := s.count(t, &models.AuditEntry{}, "action = ?", models.AuditCPRLookup); n != 3 {
		t.Errorf("%d lookups audited, want 3", n)
	}

	// Half past midnight in Copenhagen (still 1 December in UTC) is a new
	// day: allowed again.
	*s.clock = time.Date(2026, time.December, 1, 23, 30, 0, 0, time.UTC)
	if err := s.register(s.secretary, 3); err != nil {
		t.Errorf("the first lookup of a new day: %v", err)
	}

	// Staff are not limited.
	for i := range 5 {
		if err := s.register(s.e.Staff, 10+i); err != nil {
			t.Fatalf("staff lookup %d: %v", i+1, err)
		}
	}
}

// csvOf is an upload of n rows for the first station.
func csvOf(from, n int) []byte {
	var b strings.Builder
	b.WriteString("cpr;valgsted;opgavetype\n")
	for i := range n {
		fmt.Fprintf(&b, "%s;1;TF\n", cprOf(from+i))
	}
	return []byte(b.String())
}

func TestUploadCapAndLimitOfAPartySecretary(t *testing.T) {
	s := setUpLimits(t, 5, 3)
	ctx := context.Background()
	target := recruit.ImportTarget{ElectionID: s.e.Election.ID, PartyID: s.e.Party.ID, Reserve: true}
	nothingWritten := func(what string) {
		t.Helper()
		if n := s.reg.asked.Load(); n != 0 {
			t.Errorf("%s: the register was asked %d times", what, n)
		}
		if n := s.count(t, &models.Participant{}); n != 0 {
			t.Errorf("%s: %d people stored", what, n)
		}
		if n := s.count(t, &models.AuditEntry{}); n != 0 {
			t.Errorf("%s: %d audit entries", what, n)
		}
	}

	// Over the cap: refused as a whole, saying so, nothing written.
	_, err := s.svc.ImportNominations(ctx, s.secretary, target, csvOf(0, 4))
	if r, ok := recruit.AsRefusal(err); !ok || r.Kind != recruit.Invalid || r.Key != "error.lookups.csvcap" {
		t.Fatalf("an upload over the cap: %v", err)
	}
	if da := locale.Error(locale.Danish, err); !strings.Contains(da, "Filen har 4 rækker; højst 3 er tilladt") {
		t.Errorf("Danish %q", da)
	}
	nothingWritten("over the cap")

	// Within the cap, but more rows than lookups left today (2 of 5 after
	// 3 lookups): refused before any lookup.
	_, err = s.svc.ImportNominations(ctx, s.secretary, target, csvOf(0, 3))
	if err != nil {
		t.Fatalf("an upload within the limits: %v", err)
	}
	if n := s.reg.asked.Load(); n != 3 {
		t.Fatalf("the register was asked %d times for 3 rows", n)
	}
	people := s.count(t, &models.Participant{})
	_, err = s.svc.ImportNominations(ctx, s.secretary, target, csvOf(10, 3))
	if r, ok := recruit.AsRefusal(err); !ok || r.Kind != recruit.TooMany || r.Key != "error.lookups.csvlimit" {
		t.Fatalf("an upload past the lookups left: %v", err)
	}
	if en := locale.Error(locale.English, err); !strings.Contains(en, "The file has 3 rows, but you have only 2 of today's 5 lookups") {
		t.Errorf("English %q", en)
	}
	if n := s.reg.asked.Load(); n != 3 {
		t.Errorf("the register was asked %d times after the refusal, want 3", n)
	}
	if n := s.count(t, &models.Participant{}); n != people {
		t.Errorf("%d people after the refusal, want %d", n, people)
	}

	// Staff are neither capped nor limited.
	report, err := s.svc.ImportNominations(ctx, s.e.Staff, target, csvOf(20, 6))
	if err != nil || report.Imported != 6 {
		t.Errorf("staff's upload of 6 rows: %d imported (%v)", report.Imported, err)
	}
}

// Requests at once (on PostgreSQL, each on a connection of its own)
// cannot both take the last lookup of the day.
func TestLookupLimitHoldsForRequestsAtOnce(t *testing.T) {
	s := setUpLimitsIn(t, storetest.Postgres(t), 1, 500)
	const tries = 8
	var wg sync.WaitGroup
	var passed, limited atomic.Int64
	start := make(chan struct{})
	for i := range tries {
		wg.Go(func() {
			<-start
			err := s.register(s.secretary, i)
			if r, ok := recruit.AsRefusal(err); ok && r.Kind == recruit.TooMany {
				limited.Add(1)
			} else if err != nil {
				t.Errorf("registration %d: %v", i, err)
			} else {
				passed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if passed.Load() != 1 || limited.Load() != tries-1 || s.reg.asked.Load() != 1 {
		t.Errorf("a limit of 1: %d passed, %d refused, the register asked %d times", passed.Load(), limited.Load(), s.reg.asked.Load())
	}
}
