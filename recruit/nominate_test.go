package recruit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store/storetest"
)

// A nomination is refused with a key, a kind and (where one field is at
// fault) the field, before the CPR register is asked — which here is not
// even configured.
func TestNominationRefusalsAreKeyed(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 1, 1, 1)
	svc := recruit.New(recruit.Config{DB: db, Keys: keys, Now: func() time.Time { return now }})
	cell := recruit.Placement{PartyID: e.Party.ID, StationID: e.Stations[0].ID, TaskTypeID: e.TaskType.ID, Day: e.Election.ElectionDay}

	for _, c := range []struct {
		name    string
		in      recruit.Nomination
		kind    recruit.Kind
		key     string
		field   string
		english string
	}{
		{"a letter in the CPR number", recruit.Nomination{ElectionID: e.Election.ID, To: cell, Person: recruit.Person{CPR: "01017O4001"}},
			recruit.Invalid, "error.cpr.format", "cpr", "The CPR number may contain only digits"},
		{"a bad mobile number", recruit.Nomination{ElectionID: e.Election.ID, To: cell, Person: recruit.Person{CPR: "0101704001", Mobile: "12"}},
			recruit.Invalid, "error.contact.mobile", "mobile", "The mobile number must have 8 digits"},
		{"no register", recruit.Nomination{ElectionID: e.Election.ID, To: cell, Person: recruit.Person{CPR: "0101704001"}},
			recruit.Unavailable, "error.recruit.noregister", "", "not set up"},
		{"not on the pool's list", recruit.Nomination{ElectionID: e.Election.ID, ParticipantID: e.People[0].ID,
			To: recruit.Placement{PartyID: e.Pool.ID, Reserve: true}}, recruit.Invalid, "error.recruit.notonlist", "", "not on the party's list"},
		{"no such slot", recruit.Nomination{ElectionID: e.Election.ID, SlotID: 999999, ParticipantID: e.People[0].ID},
			recruit.NotFound, "error.recruit.noslot", "slot_id", "does not exist"},
		{"no such person", recruit.Nomination{ElectionID: e.Election.ID, ParticipantID: 999999, To: cell},
			recruit.NotFound, "error.recruit.noparticipant", "participant_id", "does not exist"},
	} {
		_, err := svc.Nominate(ctx, e.Staff, c.in)
		r, ok := recruit.AsRefusal(err)
		if !ok || r.Kind != c.kind || r.Key != c.key || r.Field != c.field {
			t.Errorf("%s: %v (%+v), want %v %s on %q", c.name, err, r, c.kind, c.key, c.field)
			continue
		}
		if text := locale.Error(locale.English, err); !strings.Contains(text, c.english) {
			t.Errorf("%s: English %q", c.name, text)
		}
	}
}
