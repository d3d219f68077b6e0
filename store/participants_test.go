package store_test

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
)

func withKeys(t *testing.T, db *gorm.DB) *vault.Keyring { return storetest.WithKeys(t, db) }

type people struct {
	admin, secA, secV models.User
	a, v              models.Party
}

func seedPeople(t *testing.T, db *gorm.DB) people {
	t.Helper()
	now := time.Now().UTC()
	if _, err := store.SeedDemo(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	var p people
	db.Where("letter = ?", "A").First(&p.a)
	db.Where("letter = ?", "V").First(&p.v)
	db.Where("role = ?", models.RoleAdmin).First(&p.admin)
	p.secA = models.User{Email: "a@x.example", Name: "Sekretær A", Role: models.RolePartySecretary, PartyID: &p.a.ID, CreatedAt: now}
	p.secV = models.User{Email: "v@x.example", Name: "Sekretær V", Role: models.RolePartySecretary, PartyID: &p.v.ID, CreatedAt: now}
	db.Create(&p.secA)
	db.Create(&p.secV)
	return p
}

func mustCPR(t *testing.T, s string) models.CPR {
	t.Helper()
	c, err := models.ParseCPR(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var tenDigits = regexp.MustCompile(`\d{6}-?\d{4}`)

func TestParticipantsAreEncryptedAndOnePersonPerCPR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := withKeys(t, db)
		p := seedPeople(t, db)
		now := time.Now().UTC()

		first, created, err := store.RegisterParticipant(ctx, db, keys, p.secA, store.NewParticipant{
			CPR: mustCPR(t, "1012620001"), Name: "Åse Østergaard", Mobile: "+4520304050", Email: "aase@example.dk", PartyID: p.a.ID}, now)
		if err != nil || !created {
			t.Fatalf("first registration: %v, created %v", err, created)
		}
		// The same number typed with a dash, by another party: the same person.
		second, created, err := store.RegisterParticipant(ctx, db, keys, p.secV, store.NewParticipant{
			CPR: mustCPR(t, "101262-0001"), Name: "Åse Ø.", PartyID: p.v.ID}, now)
		if err != nil || created || second.ID != first.ID {
			t.Fatalf("second registration: %v, created %v, id %d vs %d", err, created, second.ID, first.ID)
		}
		var n int64
		db.Model(&models.Participant{}).Count(&n)
		db.Model(&models.PartyMembership{}).Where("participant_id = ?", first.ID).Count(&n)
		if n != 2 {
			t.Errorf("%d memberships, want 2", n)
		}

		// At rest: sealed values, no plaintext.
		var raw struct{ CPR, Mobile, Email string }
		db.Raw("SELECT cpr, mobile, email FROM participants WHERE id = ?", first.ID).Scan(&raw)
		for name, v := range map[string]string{"cpr": raw.CPR, "mobile": raw.Mobile, "email": raw.Email} {
			if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "1012620001") || strings.Contains(v, "20304050") || strings.Contains(v, "aase@") {
				t.Errorf("column %s holds %q", name, v)
			}
		}
		var got models.Participant
		db.First(&got, first.ID)
		if got.CPR.Reveal() != "1012620001" || got.Mobile.Reveal() != "+4520304050" || got.Email.Reveal() != "aase@example.dk" {
			t.Error("decryption did not round-trip")
		}
	})
}

func TestConcurrentRegistrationsOfOneCPRMakeOnePerson(t *testing.T) {
	db := storetest.Postgres(t)
	keys := withKeys(t, db)
	p := seedPeople(t, db)
	var wg sync.WaitGroup
	ids := make(chan int64, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor, party := p.secA, p.a.ID
			if i%2 == 1 {
				actor, party = p.secV, p.v.ID
			}
			pp, _, err := store.RegisterParticipant(ctx, db, keys, actor, store.NewParticipant{
				CPR: mustCPR(t, "0101704001"), Name: "Søren Ærø", PartyID: party}, time.Now().UTC())
			if err != nil {
				t.Error(err)
				return
			}
			ids <- pp.ID
		}()
	}
	wg.Wait()
	close(ids)
	var first int64
	for id := range ids {
		if first == 0 {
			first = id
		} else if id != first {
			t.Fatalf("two people for one CPR: %d and %d", first, id)
		}
	}
	var n int64
	db.Model(&models.Participant{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d participants, want 1", n)
	}
}

func TestPartySecretariesStayInTheirParty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := withKeys(t, db)
		p := seedPeople(t, db)
		now := time.Now().UTC()
		if _, _, err := store.RegisterParticipant(ctx, db, keys, p.secA, store.NewParticipant{
			CPR: mustCPR(t, "1012620002"), Name: "Bo Bødker", PartyID: p.v.ID}, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("secretary of A registering for V: %v", err)
		}
		store.RegisterParticipant(ctx, db, keys, p.secA, store.NewParticipant{CPR: mustCPR(t, "1012620002"), Name: "Bo Bødker", PartyID: p.a.ID}, now)
		store.RegisterParticipant(ctx, db, keys, p.admin, store.NewParticipant{CPR: mustCPR(t, "1012620003"), Name: "Zia Ærenlund", PartyID: p.v.ID}, now)
		store.RegisterParticipant(ctx, db, keys, p.admin, store.NewParticipant{CPR: mustCPR(t, "0101704002"), Name: "Aase Nielsen", PartyID: p.a.ID}, now)

		if _, err := store.ParticipantsOfParty(ctx, db, p.secA, p.v.ID); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("secretary of A listing V: %v", err)
		}
		list, err := store.ParticipantsOfParty(ctx, db, p.secA, p.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		// Only A's people, in Danish order (Aa sorts as Å, after B).
		if strings.Join(names, ",") != "Bo Bødker,Aase Nielsen" {
			t.Errorf("A's list: %v", names)
		}
		if list, _ := store.ParticipantsOfParty(ctx, db, p.admin, p.v.ID); len(list) != 1 || list[0].Name != "Zia Ærenlund" {
			t.Errorf("staff view of V: %v", list)
		}
	})
}

func TestAuditLogPerPersonWithoutCPR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := withKeys(t, db)
		p := seedPeople(t, db)
		pp, _, err := store.RegisterParticipant(ctx, db, keys, p.secA, store.NewParticipant{
			CPR: mustCPR(t, "1012620001"), Name: "Åse Østergaard", PartyID: p.a.ID}, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Audit(db, models.AuditEntry{ActorID: &p.admin.ID, Action: models.AuditCPRRevealed, ParticipantID: &pp.ID,
			Detail: "revealed for the election-system export"}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"cpr 1012620001", "101262-0001", "101262 0001"} {
			if err := store.Audit(db, models.AuditEntry{Action: models.AuditCPRLookup, ParticipantID: &pp.ID, Detail: bad}); err == nil {
				t.Errorf("audit accepted the detail %q", bad)
			}
		}
		log, err := store.AuditLogOf(ctx, db, pp.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, string(e.Action))
			if tenDigits.MatchString(e.Detail) {
				t.Errorf("entry %+v holds a CPR", e)
			}
		}
		if strings.Join(actions, ",") != "participant.created,participant.changed,cpr.revealed" {
			t.Errorf("audit log of the person: %v", actions)
		}
	})
}

// A lookup of someone's CPR number is in their log, even when it led to no
// registration, and follows them once they are registered.
func TestAuditFindsLookupsByCPR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := withKeys(t, db)
		p := seedPeople(t, db)
		c := mustCPR(t, "0101704011")
		index := store.CPRIndex(keys, c)
		if err := store.Audit(db, models.AuditEntry{ActorID: &p.secA.ID, Action: models.AuditCPRLookup, SubjectIndex: &index,
			Detail: "SF1520 lookup at nomination"}); err != nil {
			t.Fatal(err)
		}
		if es, err := store.AuditLogOfCPR(ctx, db, keys, mustCPR(t, "010170-4011")); err != nil || len(es) != 1 {
			t.Fatalf("log of an unregistered person: %v, %v", es, err)
		}
		if es, _ := store.AuditLogOfCPR(ctx, db, keys, mustCPR(t, "0101704012")); len(es) != 0 {
			t.Fatalf("another person's log has %d entries", len(es))
		}
		pp, _, err := store.RegisterParticipant(ctx, db, keys, p.secA, store.NewParticipant{CPR: c, Name: "Mads Dræby", PartyID: p.a.ID}, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		es, _ := store.AuditLogOf(ctx, db, pp.ID)
		if len(es) != 3 || es[0].Action != models.AuditCPRLookup {
			t.Fatalf("registered person's log: %+v", es)
		}
	})
}
