package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
)

// twoParties is an active election with party A (the seed's council group)
// and party V, a secretary of each, and one person registered by A with
// A's contact data and then by V with V's.
type twoParties struct {
	e          storetest.Election
	keys       *vault.Keyring
	v          models.Party
	secA, secV models.User
	person     models.Participant
}

const (
	phoneA, emailA = "+4520000001", "a-typed@example.dk"
	phoneV, emailV = "+4530000002", "v-typed@example.dk"
)

func seedTwoParties(t *testing.T, db *gorm.DB) twoParties {
	t.Helper()
	var s twoParties
	s.keys = withKeys(t, db)
	s.e = storetest.SeedElection(t, db, models.DateOf(time.Now().AddDate(0, 1, 0)), 1, 2, 0)
	now := time.Now().UTC()
	s.v = models.Party{Name: "Venstre", Letter: "V", Kind: models.CouncilGroup, CouncilSeats: 5}
	if err := db.Create(&s.v).Error; err != nil {
		t.Fatal(err)
	}
	s.secA = models.User{Email: "sa@x.example", Name: "Sekretær A", Role: models.RolePartySecretary, PartyID: &s.e.Party.ID, CreatedAt: now}
	s.secV = models.User{Email: "sv@x.example", Name: "Sekretær V", Role: models.RolePartySecretary, PartyID: &s.v.ID, CreatedAt: now}
	db.Create(&s.secA)
	db.Create(&s.secV)
	p, created, err := store.RegisterParticipant(ctx, db, s.keys, s.secA, store.NewParticipant{CPR: mustCPR(t, "1012620001"),
		Name: "Åse Østergaard", Mobile: phoneA, Email: emailA, SpecialDiet: "Halal", PartyID: s.e.Party.ID}, now)
	if err != nil || !created {
		t.Fatalf("A's registration: %v, created %v", err, created)
	}
	s.person = p
	got, created, err := store.RegisterParticipant(ctx, db, s.keys, s.secV, store.NewParticipant{CPR: mustCPR(t, "101262-0001"),
		Name: "Åse Østergaard", Mobile: "30000002", Email: emailV, PreferredChannel: models.ChannelSMS, PartyID: s.v.ID}, now)
	if err != nil || created || got.ID != p.ID {
		t.Fatalf("V's registration: %v, created %v, id %d vs %d", err, created, got.ID, p.ID)
	}
	// What V is answered with carries V's typing, never A's.
	if got.Mobile.Reveal() != phoneV || got.Email.Reveal() != emailV || got.SpecialDiet.Reveal() != "" {
		t.Errorf("V's registration returned %q %q %q", got.Mobile.Reveal(), got.Email.Reveal(), got.SpecialDiet.Reveal())
	}
	return s
}

func TestContactDataIsKeptPerMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedTwoParties(t, db)
		// The person's own data is what the first registration typed.
		var own models.Participant
		db.First(&own, s.person.ID)
		if own.Mobile.Reveal() != phoneA || own.Email.Reveal() != emailA || own.SpecialDiet.Reveal() != "Halal" {
			t.Errorf("the person's own data is %q %q %q, want A's", own.Mobile.Reveal(), own.Email.Reveal(), own.SpecialDiet.Reveal())
		}
		for _, c := range []struct {
			who          models.User
			mobile, mail string
		}{{s.secV, phoneV, emailV}, {s.secA, phoneA, emailA}, {s.e.Staff, phoneA, emailA}} {
			p, _, err := store.ParticipantFor(ctx, db, c.who, s.person.ID)
			if err != nil || p.Mobile.Reveal() != c.mobile || p.Email.Reveal() != c.mail {
				t.Errorf("%s sees %q %q (%v), want %q %q", c.who.Name, p.Mobile.Reveal(), p.Email.Reveal(), err, c.mobile, c.mail)
			}
		}
		p, _, _ := store.ParticipantFor(ctx, db, s.secV, s.person.ID)
		if p.SpecialDiet.Reveal() != "" || p.PreferredChannel != models.ChannelSMS {
			t.Errorf("V sees diet %q channel %q: not what V typed", p.SpecialDiet.Reveal(), p.PreferredChannel)
		}
		list, err := store.ParticipantsOfParty(ctx, db, s.secV, s.v.ID)
		if err != nil || len(list) != 1 || list[0].Mobile.Reveal() != phoneV || list[0].Email.Reveal() != emailV {
			t.Errorf("V's party list: %v %d rows", err, len(list))
		}

		// V registers the person again with a new number: V's membership
		// changes, A's and the person's own do not.
		if _, _, err := store.RegisterParticipant(ctx, db, s.keys, s.secV, store.NewParticipant{CPR: mustCPR(t, "1012620001"),
			Name: "Åse Østergaard", Mobile: "+4540000003", PartyID: s.v.ID}, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		var mv, ma models.PartyMembership
		db.Where("participant_id = ? AND party_id = ?", s.person.ID, s.v.ID).First(&mv)
		db.Where("participant_id = ? AND party_id = ?", s.person.ID, s.e.Party.ID).First(&ma)
		if mv.Mobile.Reveal() != "+4540000003" || mv.Email.Reveal() != emailV {
			t.Errorf("V's membership after re-registration: %q %q", mv.Mobile.Reveal(), mv.Email.Reveal())
		}
		if ma.Mobile.Reveal() != phoneA {
			t.Errorf("A's membership changed to %q", ma.Mobile.Reveal())
		}
		db.First(&own, s.person.ID)
		if own.Mobile.Reveal() != phoneA {
			t.Errorf("the person's own number changed to %q", own.Mobile.Reveal())
		}
		// The subject-access export gives what each party typed.
		sa, err := store.SubjectAccessOf(ctx, db, s.keys, s.e.Staff, s.person.ID, time.Now().UTC())
		typed := map[string]string{}
		for _, sp := range sa.Parties {
			typed[sp.Party] = sp.Mobile + " " + sp.Email
		}
		if err != nil || typed["Venstre"] != "+4540000003 "+emailV || typed[s.e.Party.Name] != phoneA+" "+emailA {
			t.Errorf("subject access parties %v (%v)", typed, err)
		}
		// At rest the membership's data is sealed.
		var raw struct{ Mobile, Email, SpecialDiet string }
		db.Raw("SELECT mobile, email, COALESCE(special_diet, '') AS special_diet FROM party_memberships WHERE participant_id = ? AND party_id = ?",
			s.person.ID, s.e.Party.ID).Scan(&raw)
		for _, v := range []string{raw.Mobile, raw.Email, raw.SpecialDiet} {
			if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "20000001") || strings.Contains(v, "a-typed") || strings.Contains(v, "Halal") {
				t.Errorf("membership column holds %q", v)
			}
		}
	})
}

func TestMessagesGoToTheAssignmentPartysContactData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedTwoParties(t, db)
		slotV := s.e.Slots[1]
		slotV.PartyID, slotV.Day = s.v.ID, slotV.Day.AddDays(1) // one slot a day per person
		db.Model(&slotV).Select("party_id", "day").Updates(&slotV)
		aA := storetest.Nominate(t, db, s.e.Slots[0], s.person.ID)
		aV := storetest.Nominate(t, db, slotV, s.person.ID)
		for _, c := range []struct {
			a      models.Assignment
			mobile string
		}{{aA, phoneA}, {aV, phoneV}} {
			p, err := store.RecipientOf(ctx, db, s.person.ID, &c.a.ID)
			if err != nil || p.Mobile.Reveal() != c.mobile || p.MobileIndex == nil || *p.MobileIndex != store.MobileIndex(s.keys, c.mobile) {
				t.Errorf("assignment of party %d goes to %q (%v), want %q", c.a.PartyID, p.Mobile.Reveal(), err, c.mobile)
			}
		}
		// A pool's assignment and a message about no assignment: the person's own.
		slotPool := models.Slot{ElectionID: s.e.Election.ID, StationID: s.e.Stations[0].ID, TaskTypeID: s.e.TaskType.ID,
			Day: s.e.Election.ElectionDay.AddDays(2), PartyID: s.e.Pool.ID, CreatedAt: time.Now().UTC()}
		db.Create(&slotPool)
		db.Create(&models.PartyMembership{ParticipantID: s.person.ID, PartyID: s.e.Pool.ID, Mobile: models.NewSecret("+4550000005"),
			CreatedAt: time.Now().UTC()})
		aPool := storetest.Nominate(t, db, slotPool, s.person.ID)
		for _, id := range []*int64{&aPool.ID, nil} {
			if p, err := store.RecipientOf(ctx, db, s.person.ID, id); err != nil || p.Mobile.Reveal() != phoneA {
				t.Errorf("pool / no assignment goes to %q (%v), want the person's own", p.Mobile.Reveal(), err)
			}
		}
		// A membership without contact data: the person's own.
		db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", s.person.ID, s.v.ID).
			Updates(map[string]any{"mobile": nil, "mobile_index": nil, "email": nil})
		if p, _ := store.RecipientOf(ctx, db, s.person.ID, &aV.ID); p.Mobile.Reveal() != phoneA {
			t.Errorf("V without typed data goes to %q, want the person's own", p.Mobile.Reveal())
		}
	})
}

func TestSMSReplyFromAPartysTypedNumberFindsTheInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedTwoParties(t, db)
		slotV := s.e.Slots[1]
		db.Model(&slotV).Update("party_id", s.v.ID)
		slotV.PartyID = s.v.ID
		a := storetest.Nominate(t, db, slotV, s.person.ID)
		db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": time.Now().UTC()})
		for _, number := range []string{phoneV, phoneA} {
			open, err := store.OpenInvitationsByMobile(ctx, db, store.MobileIndex(s.keys, number))
			if err != nil || len(open) != 1 || open[0].AssignmentID != a.ID {
				t.Errorf("reply from %s finds %+v (%v), want assignment %d", number, open, err, a.ID)
			}
		}
		if open, _ := store.OpenInvitationsByMobile(ctx, db, store.MobileIndex(s.keys, "+4599999999")); len(open) != 0 {
			t.Errorf("an unknown number finds %+v", open)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestEditParticipantByStaffAndBySecretary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedTwoParties(t, db)
		staff := s.e.Staff
		own := func() models.Participant {
			var p models.Participant
			db.First(&p, s.person.ID)
			return p
		}
		membership := func(party int64) models.PartyMembership {
			var m models.PartyMembership
			db.Where("participant_id = ? AND party_id = ?", s.person.ID, party).First(&m)
			return m
		}

		// Staff edit the person's own data.
		changed, p, err := store.EditParticipant(ctx, db, s.keys, staff, s.person.ID, store.ContactEdit{Mobile: ptr("60 00 00 06"),
			Email: ptr("ny@example.dk"), SpecialDiet: ptr("Vegan, nøddeallergi"), DigitalPostExempt: ptr(true), Version: 0}, time.Now().UTC())
		if err != nil || strings.Join(changed, ", ") != "mobile, email, special_diet, digital_post_exempt" {
			t.Fatalf("staff edit: %v, changed %v", err, changed)
		}
		if p.Mobile.Reveal() != "+4560000006" || p.Version != 1 {
			t.Errorf("staff edit returned %q version %d", p.Mobile.Reveal(), p.Version)
		}
		got := own()
		if got.Mobile.Reveal() != "+4560000006" || got.Email.Reveal() != "ny@example.dk" || !got.DigitalPostExempt ||
			got.MobileIndex == nil || *got.MobileIndex != store.MobileIndex(s.keys, "+4560000006") {
			t.Errorf("after the staff edit: %q %q exempt %v", got.Mobile.Reveal(), got.Email.Reveal(), got.DigitalPostExempt)
		}
		if m := membership(s.v.ID); m.Mobile.Reveal() != phoneV {
			t.Errorf("V's membership changed by a staff edit: %q", m.Mobile.Reveal())
		}
		// The diet is sealed at rest.
		var rawDiet string
		db.Raw("SELECT special_diet FROM participants WHERE id = ?", s.person.ID).Scan(&rawDiet)
		if !strings.HasPrefix(rawDiet, "v1:") || strings.Contains(rawDiet, "Vegan") {
			t.Errorf("special_diet at rest: %q", rawDiet)
		}
		// The audit names the fields, never the values; the values are
		// kept sealed beside it.
		var entries []models.AuditEntry
		db.Where("participant_id = ? AND action = ? AND actor_id = ?", s.person.ID, models.AuditParticipantChanged, staff.ID).Find(&entries)
		if len(entries) != 1 || entries[0].Detail != "mobile, email, special_diet, digital_post_exempt" {
			t.Fatalf("audit entries %+v", entries)
		}
		var all []models.AuditEntry
		db.Where("participant_id = ?", s.person.ID).Find(&all)
		for _, e := range all {
			for _, v := range []string{"60000006", "ny@example", "Vegan", phoneA, emailA} {
				if strings.Contains(e.Detail, v) {
					t.Errorf("audit detail %q holds %q", e.Detail, v)
				}
			}
		}
		var rawChanges []struct{ Field, OldValue, NewValue string }
		db.Raw("SELECT field, COALESCE(old_value, '') AS old_value, COALESCE(new_value, '') AS new_value FROM participant_changes WHERE audit_id = ?",
			entries[0].ID).Scan(&rawChanges)
		if len(rawChanges) != 4 {
			t.Fatalf("%d change rows, want 4", len(rawChanges))
		}
		for _, c := range rawChanges {
			if !strings.HasPrefix(c.NewValue, "v1:") || strings.Contains(c.NewValue+c.OldValue, "Vegan") || strings.Contains(c.OldValue, "20000001") {
				t.Errorf("change %s at rest: %q → %q", c.Field, c.OldValue, c.NewValue)
			}
		}
		history, err := store.ChangesOf(ctx, db, staff, s.person.ID)
		if err != nil || len(history) != 4 || history[0].Field != "mobile" || history[0].Old != phoneA || history[0].New != "+4560000006" || history[0].PartyID != nil {
			t.Errorf("history %+v (%v)", history, err)
		}
		if _, err := store.ChangesOf(ctx, db, s.secV, s.person.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a party secretary read the history: %v", err)
		}

		// A party secretary edits their own membership only.
		changed, p, err = store.EditParticipant(ctx, db, s.keys, s.secV, s.person.ID, store.ContactEdit{Email: ptr("v2@example.dk"),
			Version: membership(s.v.ID).Version}, time.Now().UTC())
		if err != nil || strings.Join(changed, ",") != "email" || p.Email.Reveal() != "v2@example.dk" || p.Mobile.Reveal() != phoneV {
			t.Fatalf("V's edit: %v changed %v, returned %q %q", err, changed, p.Email.Reveal(), p.Mobile.Reveal())
		}
		if m := membership(s.v.ID); m.Email.Reveal() != "v2@example.dk" {
			t.Errorf("V's membership e-mail %q", m.Email.Reveal())
		}
		if m := membership(s.e.Party.ID); m.Email.Reveal() != emailA {
			t.Errorf("A's membership changed by V: %q", m.Email.Reveal())
		}
		if got := own(); got.Email.Reveal() != "ny@example.dk" || got.Version != 1 {
			t.Errorf("the person's own data changed by V: %q version %d", got.Email.Reveal(), got.Version)
		}
		var vEntry models.AuditEntry
		db.Where("participant_id = ? AND actor_id = ? AND action = ?", s.person.ID, s.secV.ID, models.AuditParticipantChanged).
			Order("id DESC").First(&vEntry)
		if !strings.HasPrefix(vEntry.Detail, "email") || strings.Contains(vEntry.Detail, "v2@") {
			t.Errorf("V's audit detail %q", vEntry.Detail)
		}
		// … and cannot change the Digital Post exemption.
		_, _, err = store.EditParticipant(ctx, db, s.keys, s.secV, s.person.ID, store.ContactEdit{DigitalPostExempt: ptr(false),
			Version: membership(s.v.ID).Version}, time.Now().UTC())
		if ue, ok := models.AsUserError(err); !ok || ue.Field != store.FieldDigitalPostExempt || !own().DigitalPostExempt {
			t.Errorf("V changing the exemption: %v", err)
		}

		// A person not on the secretary's list is not found, and not changed.
		other := s.e.Party
		stranger, _, err := store.RegisterParticipant(ctx, db, s.keys, s.secA, store.NewParticipant{CPR: mustCPR(t, "0101700002"),
			Name: "Bo Andersen", Mobile: "+4570000007", PartyID: other.ID}, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = store.EditParticipant(ctx, db, s.keys, s.secV, stranger.ID, store.ContactEdit{Mobile: ptr("+4580000008")}, time.Now().UTC())
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("V editing A's person: %v, want ErrNotFound", err)
		}
		var st models.Participant
		db.First(&st, stranger.ID)
		if st.Mobile.Reveal() != "+4570000007" {
			t.Errorf("A's person's number became %q", st.Mobile.Reveal())
		}
		var mst models.PartyMembership
		db.Where("participant_id = ? AND party_id = ?", stranger.ID, other.ID).First(&mst)
		if mst.Mobile.Reveal() != "+4570000007" {
			t.Errorf("A's membership of its person became %q", mst.Mobile.Reveal())
		}
		// Read-only staff edit nothing.
		ro := models.User{ID: staff.ID, Role: models.RoleReadOnly}
		if _, _, err := store.EditParticipant(ctx, db, s.keys, ro, s.person.ID, store.ContactEdit{Version: 1}, time.Now().UTC()); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only staff edit: %v", err)
		}
	})
}

func TestEditParticipantRefusesBadInputAndStaleVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seedTwoParties(t, db)
		staff := s.e.Staff
		count := func() (n int64) {
			db.Model(&models.ParticipantChange{}).Count(&n)
			return n
		}
		for _, c := range []struct {
			edit  store.ContactEdit
			field string
		}{
			{store.ContactEdit{Mobile: ptr("12"), Email: ptr("ny@example.dk")}, "mobile"},
			{store.ContactEdit{Email: ptr("ikke en adresse")}, "email"},
			{store.ContactEdit{PreferredChannel: ptr(models.Channel("brevdue"))}, "preferred_channel"},
			{store.ContactEdit{SpecialDiet: ptr(strings.Repeat("x", 501))}, "special_diet"},
			{store.ContactEdit{SpecialDiet: ptr("a\x00b")}, "special_diet"},
		} {
			for _, who := range []models.User{staff, s.secV} {
				_, _, err := store.EditParticipant(ctx, db, s.keys, who, s.person.ID, c.edit, time.Now().UTC())
				if ue, ok := models.AsUserError(err); !ok || ue.Field != c.field {
					t.Errorf("%s: %v, want a refusal on %s", who.Name, err, c.field)
				}
			}
		}
		var p models.Participant
		db.First(&p, s.person.ID)
		var mv models.PartyMembership
		db.Where("participant_id = ? AND party_id = ?", s.person.ID, s.v.ID).First(&mv)
		if p.Version != 0 || p.Mobile.Reveal() != phoneA || p.Email.Reveal() != emailA || mv.Version != 0 || mv.Email.Reveal() != emailV || count() != 0 {
			t.Errorf("a refused edit saved something: version %d/%d, %q %q, %d change rows", p.Version, mv.Version, p.Mobile.Reveal(), p.Email.Reveal(), count())
		}

		// Two editors from version 0: the second is refused, the first kept.
		if _, _, err := store.EditParticipant(ctx, db, s.keys, staff, s.person.ID, store.ContactEdit{Email: ptr("first@example.dk")}, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		_, _, err := store.EditParticipant(ctx, db, s.keys, staff, s.person.ID, store.ContactEdit{Email: ptr("second@example.dk")}, time.Now().UTC())
		if !errors.Is(err, models.ErrStale) {
			t.Errorf("second edit from an old version: %v, want ErrStale", err)
		}
		db.First(&p, s.person.ID)
		if p.Email.Reveal() != "first@example.dk" || p.Version != 1 {
			t.Errorf("after the stale edit: %q version %d", p.Email.Reveal(), p.Version)
		}
		// The same for a membership.
		if _, _, err := store.EditParticipant(ctx, db, s.keys, s.secV, s.person.ID, store.ContactEdit{Email: ptr("v1@example.dk")}, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.EditParticipant(ctx, db, s.keys, s.secV, s.person.ID, store.ContactEdit{Email: ptr("v2@example.dk")}, time.Now().UTC()); !errors.Is(err, models.ErrStale) {
			t.Errorf("stale membership edit: %v", err)
		}

		// The changes go with the person.
		admin := models.User{ID: staff.ID, Role: models.RoleAdmin}
		if n, err := store.DeleteParticipants(ctx, db, admin, []int64{s.person.ID}, store.DeletionWord, time.Now().UTC()); err != nil || n != 1 {
			t.Fatalf("erasure: %d, %v", n, err)
		}
		if n := count(); n != 0 {
			t.Errorf("%d change rows left after the erasure", n)
		}
	})
}

// The subject-access export gives the values before and after each edit,
// which the audit log does not hold: they are the person's data too.
func TestSubjectAccessHasTheEditsWithTheirValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := storetest.WithKeys(t, db)
		e := storetest.SeedElection(t, db, models.NewDate(2027, 1, 19), 1, 0, 0)
		now := time.Now().UTC()
		number, _ := models.ParseCPR("1012620001")
		p, _, err := store.RegisterParticipant(ctx, db, keys, e.Staff, store.NewParticipant{CPR: number, Name: "Åse Holm",
			Mobile: "+4520000001", Email: "aase@example.dk", PartyID: e.Party.ID}, now)
		if err != nil {
			t.Fatal(err)
		}
		mobile := "+4520000002"
		if _, _, err := store.EditParticipant(ctx, db, keys, e.Staff, p.ID, store.ContactEdit{Mobile: &mobile, Version: p.Version}, now); err != nil {
			t.Fatal(err)
		}
		out, err := store.SubjectAccessOf(ctx, db, keys, e.Staff, p.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.SubjectChange{{Field: store.FieldMobile, Before: "+4520000001", After: "+4520000002"}}
		if len(out.Changes) != 1 || out.Changes[0].At.IsZero() {
			t.Fatalf("changes %+v", out.Changes)
		}
		got := out.Changes[0]
		got.At = time.Time{}
		if got != want[0] {
			t.Errorf("change %+v, want %+v", got, want[0])
		}
	})
}
