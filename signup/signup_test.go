package signup_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

var now = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// register is the CPR register of the fixture people (cprfake), in memory.
type register map[string]cpr.Person

func (r register) Lookup(_ context.Context, c models.CPR) (cpr.Person, error) {
	p, ok := r[c.Digits()]
	if !ok {
		return p, cpr.ErrNotFound
	}
	return p, nil
}

// starts records the workflows started.
type starts struct {
	client.Client
	mu   sync.Mutex
	opts []client.StartWorkflowOptions
	args []any
}

func (s *starts) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts = append(s.opts, o)
	s.args = append(s.args, args...)
	return nil, nil
}

type env struct {
	db              *gorm.DB
	svc             *signup.Service
	temporal        *starts
	clock           time.Time
	election        models.Election
	partyA, partyV  models.Party
	pool            models.Party
	tf, vsk, vs     models.TaskType
	stations        []models.PollingStation
	staff, secA     models.User
	limitedSecA     models.User
	readOnly        models.User
	soeren, lena    string // eligible CPR numbers
	dead, emigrated string
	protected       string
}

func newEnv(t *testing.T, db *gorm.DB) *env {
	t.Helper()
	keys := storetest.WithKeys(t, db)
	if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, temporal: &starts{}, clock: now}
	db.First(&e.election)
	db.Where("letter = ?", "A").First(&e.partyA)
	db.Where("letter = ?", "V").First(&e.partyV)
	db.Where("name = ?", "Medarbejdere").First(&e.pool)
	db.Where("short_name = ?", "TF").First(&e.tf)
	db.Where("short_name = ?", "VSK").First(&e.vsk)
	db.Where("short_name = ?", "VS").First(&e.vs)
	db.Order("district").Find(&e.stations)
	for _, u := range []*models.User{&e.staff, &e.secA, &e.limitedSecA, &e.readOnly} {
		*u = models.User{Name: "U", Role: models.RoleStaff, CreatedAt: now}
	}
	e.secA.Role, e.secA.PartyID = models.RolePartySecretary, &e.partyA.ID
	e.limitedSecA.Role, e.limitedSecA.PartyID = models.RolePartySecretary, &e.partyA.ID
	e.readOnly.Role = models.RoleReadOnly
	for i, u := range []*models.User{&e.staff, &e.secA, &e.limitedSecA, &e.readOnly} {
		u.Email = []string{"staff", "seca", "limited", "ro"}[i] + "@x.example"
		if err := db.Create(u).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := store.LimitToStations(db, &e.limitedSecA, []int64{e.stations[0].ID}); err != nil {
		t.Fatal(err)
	}
	people := cprfake.FixturePeople("0999", e.election.ElectionDay)
	reg := register{}
	for _, p := range people {
		reg[p.CPR.Digits()] = p
	}
	e.soeren, e.lena = people[0].CPR.Digits(), people[1].CPR.Digits()
	e.dead, e.emigrated, e.protected = "0101704010", "0101704012", "0101704015"
	log := slog.New(slog.DiscardHandler)
	clock := func() time.Time { return e.clock }
	r := recruit.New(recruit.Config{DB: db, Temporal: e.temporal, CPR: reg, Keys: keys, TaskQueue: "q", Log: log, Now: clock})
	e.svc = &signup.Service{DB: db, Temporal: e.temporal, TaskQueue: "q", Keys: keys, Recruit: r, Log: log, Now: clock}
	return e
}

func (e *env) link(t *testing.T, actor models.User, in models.NewSignupLink) models.SignupLinkView {
	t.Helper()
	if in.ElectionID == 0 {
		in.ElectionID = e.election.ID
	}
	if in.EndsOn.IsZero() {
		in.EndsOn = models.DateOf(now).AddDays(10)
	}
	if in.MaxSignups == 0 {
		in.MaxSignups = 10
	}
	v, err := e.svc.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create link: %v", err)
	}
	return v
}

func token(v models.SignupLinkView) string { return v.Link.Token.Reveal() }

func form(cprNumber string) signup.Form {
	return signup.Form{CPR: cprNumber, Mobile: "20304050", Email: "person@example.dk", Consent: true}
}

func refusalKey(err error) string {
	if ue, ok := models.AsUserError(err); ok {
		return ue.Key
	}
	return ""
}

func (e *env) count(t *testing.T, table string, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.db.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpEligibleIneligibleAndDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		l := e.link(t, e.staff, models.NewSignupLink{Name: "Medarbejdere", PartyID: e.pool.ID})

		out, err := e.svc.SignUp(ctx, token(l), form(e.soeren))
		if err != nil || out.Duplicate || out.Claimed {
			t.Fatalf("eligible: %+v %v", out, err)
		}
		var p models.Participant
		if err := db.Where("cpr_index = ?", store.CPRIndex(e.svc.Keys, mustCPR(e.soeren))).First(&p).Error; err != nil {
			t.Fatalf("the person was not registered: %v", err)
		}
		if p.Name != "Søren Ærø" {
			t.Errorf("name %q, want the register's", p.Name)
		}
		if e.count(t, "party_memberships", "participant_id = ? AND party_id = ?", p.ID, e.pool.ID) != 1 {
			t.Error("not on the pool's list")
		}
		if e.count(t, "signups", "link_id = ? AND participant_id = ?", l.Link.ID, p.ID) != 1 {
			t.Error("no sign-up record")
		}
		if e.count(t, "audit_log", "action = ? AND participant_id = ? AND actor_id IS NULL", models.AuditSignedUp, p.ID) != 1 {
			t.Error("the sign-up is not in the audit log")
		}
		if e.count(t, "audit_log", "action = ? AND subject_index = ?", models.AuditCPRLookup, p.CPRIndex) != 1 {
			t.Error("the register lookup is not logged against the number")
		}

		// The same person again, typed with a dash: one person, one sign-up.
		out, err = e.svc.SignUp(ctx, token(l), form(e.soeren[:6]+"-"+e.soeren[6:]))
		if err != nil || !out.Duplicate {
			t.Fatalf("duplicate: %+v %v", out, err)
		}
		if n := e.count(t, "participants", "cpr_index = ?", p.CPRIndex); n != 1 {
			t.Errorf("%d participants for one number", n)
		}
		if n := e.count(t, "signups", "link_id = ?", l.Link.ID); n != 1 {
			t.Errorf("%d sign-ups, want 1", n)
		}
		v, _ := e.svc.Link(ctx, e.staff, l.Link.ID)
		if v.Link.Signups != 1 {
			t.Errorf("count %d, want 1", v.Link.Signups)
		}

		// Not eligible: one sentence, never the register's reason.
		for _, number := range []string{e.dead, e.emigrated, "0101704008" /* full guardianship */, "0101704013" /* other municipality */, "0101709999" /* unknown */} {
			_, err := e.svc.SignUp(ctx, token(l), form(number))
			if refusalKey(err) != "error.signup.ineligible" {
				t.Errorf("%s: %v, want error.signup.ineligible", number, err)
			}
			if k, _ := recruit.KindOf(err); k != recruit.Invalid {
				t.Errorf("%s: kind %v", number, k)
			}
		}
		if n := e.count(t, "signups", "link_id = ?", l.Link.ID); n != 1 {
			t.Errorf("ineligible people signed up: %d", n)
		}

		// A mistyped number is refused at its field and costs no lookup;
		// the refusal does not carry the number.
		lookups := e.count(t, "audit_log", "action = ?", models.AuditCPRLookup)
		_, err = e.svc.SignUp(ctx, token(l), form("3213701234"))
		ue, ok := models.AsUserError(err)
		if !ok || ue.Field != "cpr" || strings.Contains(err.Error(), "3213701234") {
			t.Fatalf("mistyped CPR: %v", err)
		}
		for _, a := range ue.Args {
			if s, _ := a.(string); strings.Contains(s, "321370") {
				t.Errorf("the refusal echoes the number: %v", ue.Args)
			}
		}
		if after := e.count(t, "audit_log", "action = ?", models.AuditCPRLookup); after != lookups {
			t.Error("a mistyped number was looked up")
		}
		// Contact data and consent are checked before the lookup.
		f := form(e.lena)
		f.Consent = false
		if _, err := e.svc.SignUp(ctx, token(l), f); refusalKey(err) != "error.signup.noconsent" {
			t.Errorf("without consent: %v", err)
		}
		f = form(e.lena)
		f.Mobile, f.Email = "", ""
		if _, err := e.svc.SignUp(ctx, token(l), f); refusalKey(err) != "error.signup.contact" {
			t.Errorf("without contact data: %v", err)
		}
		f = form(e.lena)
		f.Email = "ikke en adresse"
		if _, err := e.svc.SignUp(ctx, token(l), f); refusalKey(err) != "error.contact.email" {
			t.Errorf("bad e-mail: %v", err)
		}
		if after := e.count(t, "audit_log", "action = ?", models.AuditCPRLookup); after != lookups {
			t.Error("a refused form was looked up")
		}
	})
}

func mustCPR(s string) models.CPR {
	c, err := models.ParseCPR(s)
	if err != nil {
		panic(err)
	}
	return c
}

func TestSignUpFullExpiredDisabledAndUnknownLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		full := e.link(t, e.staff, models.NewSignupLink{Name: "Én plads", PartyID: e.pool.ID, MaxSignups: 1})
		if _, err := e.svc.SignUp(ctx, token(full), form(e.soeren)); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.SignUp(ctx, token(full), form(e.lena))
		if refusalKey(err) != "error.signup.full" {
			t.Fatalf("full link: %v", err)
		}
		if _, err := e.svc.Offer(ctx, token(full)); refusalKey(err) != "error.signup.full" {
			t.Errorf("offer of a full link: %v", err)
		}
		if n := e.count(t, "signups", "link_id = ?", full.Link.ID); n != 1 {
			t.Errorf("%d sign-ups on a link of 1", n)
		}

		disabled := e.link(t, e.staff, models.NewSignupLink{Name: "Lukket", PartyID: e.pool.ID})
		if err := e.svc.Disable(ctx, e.staff, disabled.Link.ID); err != nil {
			t.Fatal(err)
		}
		expired := e.link(t, e.staff, models.NewSignupLink{Name: "Udløbet", PartyID: e.pool.ID, EndsOn: models.DateOf(now)})
		e.clock = now.Add(24 * time.Hour)
		participants := e.count(t, "participants", "1 = 1")
		for name, tok := range map[string]string{"disabled": token(disabled), "expired": token(expired), "unknown": "ukendt-token-123"} {
			if _, err := e.svc.Offer(ctx, tok); refusalKey(err) != "error.signup.notopen" {
				t.Errorf("%s offer: %v", name, err)
			}
			_, err := e.svc.SignUp(ctx, tok, form(e.lena))
			if refusalKey(err) != "error.signup.notopen" {
				t.Errorf("%s sign-up: %v", name, err)
			}
			if k, _ := recruit.KindOf(err); k != recruit.NotFound {
				t.Errorf("%s: kind %v, want NotFound", name, k)
			}
		}
		if after := e.count(t, "participants", "1 = 1"); after != participants {
			t.Error("a closed link registered someone")
		}
		views, err := e.svc.Links(ctx, e.staff, e.election.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]models.SignupLinkState{}
		for _, v := range views {
			states[v.Link.Name] = v.State
		}
		if states["Én plads"] != models.SignupFull || states["Lukket"] != models.SignupDisabled || states["Udløbet"] != models.SignupExpired {
			t.Errorf("states %v", states)
		}
		if e.count(t, "audit_log", "action = ?", models.AuditSignupLinkDisabled) != 1 || e.count(t, "audit_log", "action = ?", models.AuditSignupLinkCreated) != 3 {
			t.Error("link creation and disabling are not audited")
		}
	})
}

func TestClaimLinkTakesAVacantSlotConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		slot := models.Slot{ElectionID: e.election.ID, StationID: e.stations[1].ID, TaskTypeID: e.vsk.ID, Day: e.election.ElectionDay,
			PartyID: e.pool.ID, CreatedAt: now}
		other := models.Slot{ElectionID: e.election.ID, StationID: e.stations[2].ID, TaskTypeID: e.vsk.ID, Day: e.election.ElectionDay,
			PartyID: e.pool.ID, CreatedAt: now}
		if err := db.Create(&slot).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&other).Error; err != nil {
			t.Fatal(err)
		}
		l := e.link(t, e.staff, models.NewSignupLink{Name: "Valgsekretærer", PartyID: e.pool.ID, Claim: true,
			TaskTypeIDs: []int64{e.vsk.ID}, StationIDs: []int64{e.stations[1].ID}})

		out, err := e.svc.SignUp(ctx, token(l), form(e.soeren))
		if err != nil || !out.Claimed || out.Reserve || out.Task.Station.ID != e.stations[1].ID || out.Task.TaskType.ID != e.vsk.ID {
			t.Fatalf("claim: %+v %v", out, err)
		}
		var a models.Assignment
		if err := db.Where("slot_id = ?", slot.ID).First(&a).Error; err != nil {
			t.Fatalf("the slot was not taken: %v", err)
		}
		if len(e.temporal.opts) != 1 || e.temporal.opts[0].ID != payload.LifecycleID(slot.ID, a.ParticipantID) || e.temporal.opts[0].ID != a.WorkflowID {
			t.Fatalf("lifecycle starts %+v", e.temporal.opts)
		}
		if in, ok := e.temporal.args[0].(payload.LifecycleInput); !ok || !in.Confirmed || in.AssignmentID != a.ID {
			t.Fatalf("lifecycle input %+v, want confirmed for assignment %d", e.temporal.args[0], a.ID)
		}
		if e.count(t, "signups", "link_id = ? AND assignment_id = ?", l.Link.ID, a.ID) != 1 {
			t.Error("the sign-up does not name the slot")
		}
		// The station's other slot is outside the link: the next person
		// goes on the reserve list of the link's station.
		out, err = e.svc.SignUp(ctx, token(l), form(e.lena))
		if err != nil || out.Claimed || !out.Reserve {
			t.Fatalf("no vacancy: %+v %v", out, err)
		}
		if e.count(t, "assignments", "slot_id = ?", other.ID) != 0 {
			t.Error("a slot outside the link was taken")
		}
		if e.count(t, "reserves", "party_id = ? AND station_id = ?", e.pool.ID, e.stations[1].ID) != 1 {
			t.Error("not on the reserve list")
		}
		if len(e.temporal.opts) != 1 {
			t.Error("a reserve's lifecycle was started")
		}
	})
}

func TestSecretaryLinksStayWithinTheirPartyAndStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		forbidden := func(err error) bool { k, _ := recruit.KindOf(err); return k == recruit.Forbidden }
		notFound := func(err error) bool { k, _ := recruit.KindOf(err); return k == recruit.NotFound }
		in := func(party int64, stations ...int64) models.NewSignupLink {
			return models.NewSignupLink{Name: "x", ElectionID: e.election.ID, PartyID: party, StationIDs: stations,
				EndsOn: models.DateOf(now).AddDays(5), MaxSignups: 5}
		}
		// Another party by changing the id: refused, nothing made.
		if _, err := e.svc.Create(ctx, e.secA, in(e.partyV.ID)); !forbidden(err) {
			t.Errorf("secretary of A made a link for V: %v", err)
		}
		if _, err := e.svc.Create(ctx, e.secA, in(e.pool.ID)); !forbidden(err) {
			t.Errorf("secretary of A made a link for a pool: %v", err)
		}
		// An appointed-only task type is the council's.
		tt := in(e.partyA.ID)
		tt.TaskTypeIDs = []int64{e.vs.ID}
		if _, err := e.svc.Create(ctx, e.secA, tt); !forbidden(err) {
			t.Errorf("secretary made a link for valgstyrere: %v", err)
		}
		// A secretary limited to station 1: only links limited to it.
		if _, err := e.svc.Create(ctx, e.limitedSecA, in(e.partyA.ID)); !forbidden(err) {
			t.Errorf("limited secretary made a municipality-wide link: %v", err)
		}
		if _, err := e.svc.Create(ctx, e.limitedSecA, in(e.partyA.ID, e.stations[1].ID)); !forbidden(err) {
			t.Errorf("limited secretary made a link for another station: %v", err)
		}
		own := e.link(t, e.limitedSecA, in(e.partyA.ID, e.stations[0].ID))
		wide := e.link(t, e.secA, in(e.partyA.ID))
		staffV := e.link(t, e.staff, in(e.partyV.ID))
		if e.count(t, "signup_links", "1 = 1") != 3 {
			t.Fatal("a refused link was made")
		}
		// They see their own party's links only; the limited one only
		// links within their stations.
		names := func(u models.User) []int64 {
			vs, err := e.svc.Links(ctx, u, e.election.ID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, v := range vs {
				ids = append(ids, v.Link.ID)
			}
			return ids
		}
		if got := names(e.secA); len(got) != 2 || got[0] != wide.Link.ID || got[1] != own.Link.ID {
			t.Errorf("secretary sees %v", got)
		}
		if got := names(e.limitedSecA); len(got) != 1 || got[0] != own.Link.ID {
			t.Errorf("limited secretary sees %v", got)
		}
		if got := names(e.readOnly); len(got) != 3 {
			t.Errorf("read-only staff see %v", got)
		}
		// Another party's link by its id: not found, to see or to disable.
		if _, err := e.svc.Link(ctx, e.secA, staffV.Link.ID); !notFound(err) {
			t.Errorf("secretary read V's link: %v", err)
		}
		if err := e.svc.Disable(ctx, e.secA, staffV.Link.ID); !notFound(err) {
			t.Errorf("secretary disabled V's link: %v", err)
		}
		if err := e.svc.Disable(ctx, e.limitedSecA, wide.Link.ID); !notFound(err) {
			t.Errorf("limited secretary disabled a link outside their stations: %v", err)
		}
		if err := e.svc.Disable(ctx, e.readOnly, wide.Link.ID); !forbidden(err) {
			t.Errorf("read-only staff disabled a link: %v", err)
		}
		if e.count(t, "signup_links", "disabled_at IS NOT NULL") != 0 {
			t.Fatal("a refused disable disabled")
		}
		if err := e.svc.Disable(ctx, e.secA, wide.Link.ID); err != nil {
			t.Errorf("secretary could not disable their own link: %v", err)
		}
		// Bad input at its field.
		bad := in(e.partyA.ID)
		bad.MaxSignups = 0
		if _, err := e.svc.Create(ctx, e.secA, bad); refusalKey(err) != "error.signup.max" {
			t.Errorf("max 0: %v", err)
		}
		bad = in(e.partyA.ID)
		bad.EndsOn = models.DateOf(now).AddDays(-1)
		if _, err := e.svc.Create(ctx, e.secA, bad); refusalKey(err) != "error.signup.endson" {
			t.Errorf("ended: %v", err)
		}
		if err := e.svc.SaveConsent(ctx, e.secA, "tekst"); !forbidden(err) {
			t.Errorf("secretary changed the consent text: %v", err)
		}
		if err := e.svc.SaveConsent(ctx, e.staff, "Vi gemmer dit navn."); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.svc.Consent(ctx); c != "Vi gemmer dit navn." {
			t.Errorf("consent %q", c)
		}
	})
}
