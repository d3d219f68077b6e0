package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// groupSeed: person 1 holds two slots at the first station (nominated on
// election day, confirmed for the day before), person 2 declined, person 3
// is nominated at the second station, person 4 holds nothing.
func groupSeed(t *testing.T, db *gorm.DB) storetest.Election {
	t.Helper()
	storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2026, 11, 3), 2, 4, 4)
	setState := func(a models.Assignment, s models.AssignmentState) {
		if err := db.Model(&a).Update("state", s).Error; err != nil {
			t.Fatal(err)
		}
	}
	storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	dayBefore := e.Slots[2]
	dayBefore.ID, dayBefore.Day = 0, dayBefore.Day.AddDays(-1)
	if err := db.Create(&dayBefore).Error; err != nil {
		t.Fatal(err)
	}
	setState(storetest.Nominate(t, db, dayBefore, e.People[0].ID), models.StateConfirmed)
	setState(storetest.Nominate(t, db, e.Slots[1], e.People[1].ID), models.StateDeclined)
	storetest.Nominate(t, db, e.Slots[3], e.People[2].ID)
	return e
}

func TestGroupRecipientsCountEachPersonOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := groupSeed(t, db)
		id := e.Election.ID
		p := e.People
		for _, tc := range []struct {
			name string
			f    models.GroupFilter
			want []int64
		}{
			{"everyone", models.GroupFilter{}, []int64{p[0].ID, p[1].ID, p[2].ID}},
			{"declined", models.GroupFilter{States: []models.AssignmentState{models.StateDeclined}}, []int64{p[1].ID}},
			{"first station", models.GroupFilter{StationIDs: []int64{e.Stations[0].ID}}, []int64{p[0].ID}},
			{"second station, nominated", models.GroupFilter{StationIDs: []int64{e.Stations[1].ID},
				States: []models.AssignmentState{models.StateNominated}}, []int64{p[2].ID}},
			{"another party", models.GroupFilter{PartyIDs: []int64{e.Pool.ID}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := store.GroupRecipients(ctx, db, id, tc.f, 0, 50)
				if err != nil || !slices.Equal(got, tc.want) {
					t.Fatalf("recipients %v, want %v (%v)", got, tc.want, err)
				}
				n, err := store.CountGroupRecipients(ctx, db, id, tc.f)
				if err != nil || n != len(tc.want) {
					t.Fatalf("count %d, want %d (%v)", n, len(tc.want), err)
				}
			})
		}
		// Paged by participant id: a person with two slots is on one page.
		first, _ := store.GroupRecipients(ctx, db, id, models.GroupFilter{}, 0, 1)
		rest, _ := store.GroupRecipients(ctx, db, id, models.GroupFilter{}, first[0], 5)
		if !slices.Equal(first, []int64{p[0].ID}) || !slices.Equal(rest, []int64{p[1].ID, p[2].ID}) {
			t.Fatalf("pages %v then %v", first, rest)
		}
	})
}

func TestPreviewGroupMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := groupSeed(t, db)
		// Danish order: Å after Ø after Z.
		for i, name := range []string{"Åse Ørsted", "Zenia Holm", "Ørn Berg"} {
			if err := db.Model(&e.People[i]).Update("name", name).Error; err != nil {
				t.Fatal(err)
			}
		}
		pv, err := store.PreviewGroupMessage(ctx, db, e.Staff, e.Election.ID, models.GroupFilter{}, 2)
		if err != nil || pv.Count != 3 || !slices.Equal(pv.Names, []string{"Zenia Holm", "Ørn Berg"}) {
			t.Fatalf("preview %+v, %v", pv, err)
		}
		secretary := models.User{ID: 99, Role: models.RolePartySecretary, PartyID: &e.Party.ID}
		if _, err := store.PreviewGroupMessage(ctx, db, secretary, e.Election.ID, models.GroupFilter{}, 2); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("party secretary: %v", err)
		}
		bad := models.GroupFilter{States: []models.AssignmentState{"asleep"}}
		if _, err := store.PreviewGroupMessage(ctx, db, e.Staff, e.Election.ID, bad, 2); err == nil {
			t.Fatal("an unknown state was accepted")
		}
	})
}

func TestCreateGroupMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := groupSeed(t, db)
		now := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
		gm := models.GroupFilter{States: []models.AssignmentState{models.StateNominated, models.StateConfirmed}}.On(models.GroupMessage{
			ElectionID: e.Election.ID, Subject: "Nyt om [election:name]", Body: "Kære [participant:name]\nHusk madpakke.", CreatedAt: now})
		got, err := store.CreateGroupMessage(ctx, db, e.Staff, gm)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 || got.Recipients != 2 || got.WorkflowID != payload.GroupMessageID(got.ID) || *got.CreatedBy != e.Staff.ID {
			t.Fatalf("created %+v", got)
		}
		stored, err := store.GroupMessageByID(ctx, db, got.ID)
		if err != nil || stored.WorkflowID != got.WorkflowID || stored.States != "nominated,confirmed" {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		page, err := store.GroupMessageRecipients(ctx, db, got.ID, 0, 10)
		if err != nil || !slices.Equal(page, []int64{e.People[0].ID, e.People[2].ID}) {
			t.Fatalf("recipients %v, %v", page, err)
		}
		list, err := store.GroupMessagesOf(ctx, db, models.User{Role: models.RoleReadOnly}, e.Election.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v, %v", list, err)
		}

		for _, tc := range []struct {
			name      string
			actor     models.User
			gm        models.GroupMessage
			wantField string // a field refused, with its line
			wantLine  int
			want      error
		}{
			{"read-only", models.User{ID: e.Staff.ID, Role: models.RoleReadOnly}, gm, "", 0, models.ErrForbidden},
			{"unknown field", e.Staff, models.GroupMessage{ElectionID: e.Election.ID, Subject: "Hej",
				Body: "Kære [participant:name]\n\nDin plads: [task:name]"}, "task:name", 3, nil},
			{"CPR by e-mail", e.Staff, models.GroupMessage{ElectionID: e.Election.ID, Subject: "Hej",
				Body: "Dit CPR-nummer [participant:cpr]"}, "participant:cpr", 1, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := store.CreateGroupMessage(ctx, db, tc.actor, tc.gm)
				if tc.want != nil {
					if !errors.Is(err, tc.want) {
						t.Fatalf("got %v, want %v", err, tc.want)
					}
					return
				}
				var te *models.TemplateError
				if !errors.As(err, &te) {
					t.Fatalf("got %v, want a template error", err)
				}
				fes := models.MergeFieldErrors(te)
				if len(fes) != 1 || fes[0].Field != tc.wantField || fes[0].Line != tc.wantLine {
					t.Fatalf("field errors %v", fes)
				}
			})
		}
		none := models.GroupFilter{PartyIDs: []int64{e.Pool.ID}}.On(models.GroupMessage{ElectionID: e.Election.ID, Subject: "Hej", Body: "Hej"})
		var ue *models.UserError
		if _, err := store.CreateGroupMessage(ctx, db, e.Staff, none); !errors.As(err, &ue) {
			t.Fatalf("no recipients: %v", err)
		}
	})
}

func TestMessageRecordsItsGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := groupSeed(t, db)
		gm, err := store.CreateGroupMessage(ctx, db, e.Staff, models.GroupMessage{ElectionID: e.Election.ID, Subject: "Hej", Body: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.PrepareMessage(ctx, db, models.Message{DedupeKey: "k", Kind: models.KindGroupMessage,
			GroupMessageID: &gm.ID, ParticipantID: &e.People[0].ID}, time.Now())
		if err != nil || m.GroupMessageID == nil || *m.GroupMessageID != gm.ID {
			t.Fatalf("message %+v, %v", m, err)
		}
		if err := store.RecordAttempt(ctx, db, m.ID, models.ChannelEmail, models.MessageSent, "x", "", time.Now()); err != nil {
			t.Fatal(err)
		}
		if s, err := store.GroupSendsOf(ctx, db, gm.ID); err != nil || s != (models.GroupSends{Sent: 1}) {
			t.Fatalf("sends %+v, %v", s, err)
		}
	})
}
