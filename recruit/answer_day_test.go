package recruit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// withDayOffer adds, to the answering fixture, a no-show on the same slot
// and an open day offer to the invited person's number, made an hour ago.
func withDayOffer(t *testing.T, f *answering) models.DayOffer {
	t.Helper()
	db := f.svc.DB
	absentPerson := models.Participant{CPR: models.NewSecret("0101709999"), CPRIndex: "test-absent", Name: "Fraværende",
		Email: models.NewSecret(""), Mobile: models.NewSecret(""), CreatedAt: now, UpdatedAt: now}
	if err := db.Create(&absentPerson).Error; err != nil {
		t.Fatal(err)
	}
	inv := f.invited
	absent := models.Assignment{SlotID: inv.SlotID, ParticipantID: absentPerson.ID, ElectionID: inv.ElectionID, StationID: inv.StationID,
		TaskTypeID: inv.TaskTypeID, PartyID: inv.PartyID, Day: inv.Day, State: models.StateNoShow,
		WorkflowID: payload.LifecycleID(inv.SlotID, absentPerson.ID), NominatedAt: now, UpdatedAt: now}
	if err := db.Create(&absent).Error; err != nil {
		t.Fatal(err)
	}
	o := models.DayOffer{ElectionID: inv.ElectionID, AbsentAssignmentID: absent.ID, ParticipantID: inv.ParticipantID,
		Source: models.FromPool, State: models.DayOfferAsked, WorkflowID: payload.DayReplacementID(absent.ID), AskedAt: now.Add(-time.Hour)}
	if err := db.Create(&o).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *answering) offerState(t *testing.T, id int64) models.DayOfferState {
	t.Helper()
	var o models.DayOffer
	if err := f.svc.DB.First(&o, id).Error; err != nil {
		t.Fatal(err)
	}
	return o.State
}

// A JA from a number with an open day offer goes to the replacement as its
// accept update; the replacement's refusals are the reply, in words the
// catalogs have; a JA with the code of an open invitation answers that
// invitation instead.
func TestDayOfferAnsweredBySMS(t *testing.T) {
	ctx := context.Background()
	f := newAnswering(t)
	o := withDayOffer(t, f)

	r, err := f.svc.AnswerSMS(ctx, mobile, "ja")
	if err != nil || r.Key != "recruit.sms.day.yes" {
		t.Fatalf("JA: %+v %v", r, err)
	}
	got := f.temporal.updates[0]
	if got.WorkflowID != o.WorkflowID || got.UpdateName != workflows.DayAcceptUpdate || got.Args[0].(workflows.DayAccept) != (workflows.DayAccept{OfferID: o.ID}) {
		t.Fatalf("update sent: %+v", got)
	}

	for _, c := range []struct {
		refuse error
		key    string
	}{
		{refused(workflows.RefusedTaken), "recruit.sms.day.Taken"},
		{refused(workflows.RefusedEnded), "recruit.sms.day.Ended"},
		{serviceerror.NewNotFound("workflow execution already completed"), "recruit.sms.day.Ended"},
		{refused(workflows.RefusedBusy), "recruit.sms.day.Busy"},
	} {
		f.temporal.refuse = c.refuse
		r, err := f.svc.AnswerSMS(ctx, mobile, "JA")
		if err != nil || r.Key != c.key {
			t.Errorf("refused %v: %+v %v, want %s", c.refuse, r, err, c.key)
		}
		for _, lang := range locale.Languages() {
			if !locale.Has(lang, r.Key) {
				t.Errorf("%s has no %s text", r.Key, lang)
			}
		}
	}
	f.temporal.refuse = nil

	// The invitation's code names the invitation: it gets the answer.
	n := len(f.temporal.updates)
	if r, err := f.svc.AnswerSMS(ctx, mobile, "JA 1111"); err != nil || r.Key != "recruit.sms.yes" {
		t.Fatalf("JA with the invitation's code: %+v %v", r, err)
	}
	if got := f.temporal.updates[n]; got.WorkflowID != f.invited.WorkflowID || got.UpdateName != workflows.AnswerUpdate {
		t.Fatalf("JA with the code went to %+v", got)
	}
	if s := f.offerState(t, o.ID); s != models.DayOfferAsked {
		t.Fatalf("the offer is %s after the invitation's answer", s)
	}
}

// A closed offer explains a late JA without asking the workflow; NEJ is
// recorded on the offer and nothing else happens; a reply that is not
// understood, or a Temporal that is down, loses nothing: the offer stays
// open for the next reply.
func TestDayOfferRepliesLoseNothing(t *testing.T) {
	ctx := context.Background()
	f := newAnswering(t)
	o := withDayOffer(t, f)

	if r, err := f.svc.AnswerSMS(ctx, mobile, "kanske i morgen"); err != nil || r.Key != "recruit.sms.unknown" {
		t.Fatalf("not understood: %+v %v", r, err)
	}
	f.temporal.refuse = errors.New("connection refused")
	if _, err := f.svc.AnswerSMS(ctx, mobile, "JA"); err == nil {
		t.Fatal("Temporal down: no error, so the person is not told to try again")
	}
	f.temporal.refuse = nil
	if s := f.offerState(t, o.ID); s != models.DayOfferAsked {
		t.Fatalf("after a bad reply the offer is %s", s)
	}
	if r, err := f.svc.AnswerSMS(ctx, "+4599999999", "JA"); err != nil || r.Key != "recruit.sms.noopen" {
		t.Fatalf("a stranger's JA: %+v %v", r, err)
	}

	// Temporal down: the NEJ is recorded and the person thanked all the
	// same; the replacement only misses the chance to ask on at once.
	n := len(f.temporal.updates)
	f.temporal.refuse = errors.New("connection refused")
	if r, err := f.svc.AnswerSMS(ctx, mobile, "NEJ"); err != nil || r.Key != "recruit.sms.day.no" {
		t.Fatalf("NEJ: %+v %v", r, err)
	}
	f.temporal.refuse = nil
	if s := f.offerState(t, o.ID); s != models.DayOfferDeclined {
		t.Fatalf("after NEJ the offer is %s", s)
	}
	if len(f.temporal.updates) != n {
		t.Fatal("a NEJ to a day offer was sent as an update")
	}
	// The replacement hears of it, so it can ask on at once; a second NEJ
	// changes nothing and tells it nothing.
	want := fmt.Sprintf("%s/%s/%d", o.WorkflowID, workflows.DayDeclineSignal, o.ID)
	if len(f.temporal.signals) != 1 || f.temporal.signals[0] != want {
		t.Fatalf("signals %q, want %q", f.temporal.signals, want)
	}
	if r, err := f.svc.AnswerSMS(ctx, mobile, "nej"); err != nil || r.Key != "recruit.sms.day.no" || len(f.temporal.signals) != 1 {
		t.Fatalf("a second NEJ: %+v %v, signals %q", r, err, f.temporal.signals)
	}

	if err := f.svc.DB.Model(&models.DayOffer{}).Where("id = ?", o.ID).Update("state", models.DayOfferTaken).Error; err != nil {
		t.Fatal(err)
	}
	if r, err := f.svc.AnswerSMS(ctx, mobile, "JA"); err != nil || r.Key != "recruit.sms.day.Taken" || len(f.temporal.updates) != n {
		t.Fatalf("JA after the slot was taken: %+v %v", r, err)
	}
	// An offer older than the window is no longer what a JA answers.
	if err := f.svc.DB.Model(&models.DayOffer{}).Where("id = ?", o.ID).Update("asked_at", now.Add(-7*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	if r, err := f.svc.AnswerSMS(ctx, mobile, "JA"); err != nil || r.Key != "recruit.sms.yes" {
		t.Fatalf("JA after the window: %+v %v (want the invitation's answer)", r, err)
	}
}
