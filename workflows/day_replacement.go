package workflows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// DayReplacementInput names the assignment whose person was marked absent
// on the task day: ids only.
type DayReplacementInput struct {
	AbsentAssignmentID int64
}

// Waves of asks. Three at once: on the day a slot must be filled within
// the hour, and asking one at a time would spend the whole deadline on a
// few people who are at work or asleep; asking many at once would send
// most of those who say JA a "thank you, it is taken", which wears the
// reserves out for the next election. Every quarter of an hour a new wave
// goes out while nobody has said JA: the default deadline of 60 minutes
// asks up to 12 people, and the first wave's answers mostly come within
// minutes.
const (
	dayWaveSize  = 3
	dayWaveEvery = 15 * time.Minute
)

// Names of the replacement's update and signal; its status answers
// StatusQuery.
const (
	// DayAcceptUpdate is a candidate's JA (DayAccept).
	DayAcceptUpdate = "accept"
	// DayDeclineSignal is a candidate's NEJ, the offer's id (recorded on
	// the offer first). When everyone asked has said NEJ, the next wave
	// goes out at once instead of at its quarter hour; when there is
	// nobody left to ask either, the search escalates at once. A signal,
	// not an update: the person's reply does not wait for the workflow.
	DayDeclineSignal = "decline"
)

// Why a JA to a day offer is refused: the ApplicationError type of the
// validator's (or the handler's) refusal. RefusedEnded is the lifecycle's:
// the search is over (it found nobody in time).
const (
	RefusedTaken      = "Taken"      // someone else's JA came first
	RefusedNotOffered = "NotOffered" // the offer is not one this replacement made
	RefusedBusy       = "Busy"       // the candidate holds another slot that day by now
)

// DayState is where a replacement on the day stands; it is also the value
// of the state search attribute (payload.StateAttr) while it runs and
// after, distinct from every assignment state.
type DayState string

const (
	DaySearching DayState = "day_searching"
	DayTaking    DayState = "day_taking" // a JA is taking the slot
	DayTaken     DayState = "day_taken"
	DayEscalated DayState = "day_escalated"
	DayNothing   DayState = "day_nothing" // nobody to replace (not a no-show, or the election is not active)
)

// DayAccept is a candidate's JA to their offer.
type DayAccept struct{ OfferID int64 }

// DayReplacementStatus is what the status query and the accept update
// return: ids and counts only.
type DayReplacementStatus struct {
	State    DayState
	Asked    int
	TakenBy  int64 // the new assignment on the slot
	Deadline time.Time
}

type dayReplacement struct {
	in       DayReplacementInput
	plan     activities.DayPlan
	state    DayState
	offers   map[int64]bool
	order    []int64
	declined map[int64]bool
	accepted int64
	takenBy  int64
	deadline time.Time
	waves    int
}

// DayReplacement finds someone to take the slot of a person marked absent
// on the task day. The lifecycle of the absent person starts it (abandoned
// child, DayReplacementOptions) when it ends as a no-show.
//
// It asks candidates by SMS, dayWaveSize at a time (the station's reserves,
// the party's, the pool: store.DayCandidates); the first JA takes the slot
// (a new confirmed assignment whose lifecycle starts as an abandoned
// child); the others are told it is taken and the station leaders who
// comes. Nobody within the election's DayReplaceMinutes: the leaders and
// the secretariat are told, and the search ends. The history holds ids,
// states and instants only.
func DayReplacement(ctx workflow.Context, in DayReplacementInput) error {
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	d := &dayReplacement{in: in, offers: map[int64]bool{}, declined: map[int64]bool{}}
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (DayReplacementStatus, error) { return d.status(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DayAcceptUpdate, d.accept,
		workflow.UpdateHandlerOptions{Validator: d.validateAccept}); err != nil {
		return err
	}
	declines := workflow.GetSignalChannel(ctx, DayDeclineSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var offerID int64
			declines.Receive(ctx, &offerID)
			if d.offers[offerID] {
				d.declined[offerID] = true
			}
		}
	})
	if err := workflow.ExecuteActivity(ctx, a.BeginDayReplacement, in.AbsentAssignmentID).Get(ctx, &d.plan); err != nil {
		return err
	}
	switch {
	case d.plan.TakenBy != 0:
		d.state, d.takenBy = DayTaken, d.plan.TakenBy
		return d.publish(ctx)
	case !d.plan.Active:
		d.state = DayNothing
		return d.publish(ctx)
	}
	d.state = DaySearching
	d.deadline = workflow.Now(ctx).Add(time.Duration(d.plan.Minutes) * time.Minute)
	if err := d.publish(ctx); err != nil {
		return err
	}
	if err := d.search(ctx); err != nil {
		return err
	}
	switch d.state {
	case DayTaken:
		if err := d.tellTaken(ctx); err != nil {
			return err
		}
	case DayEscalated:
		if err := d.escalate(ctx); err != nil {
			return err
		}
	}
	if err := d.publish(ctx); err != nil {
		return err
	}
	if left := d.deadline.Sub(workflow.Now(ctx)); d.state == DayTaken && left > 0 {
		// Open until the deadline, so a late JA is refused here with its
		// reason (RefusedTaken) rather than by a closed workflow.
		if err := workflow.Sleep(ctx, left); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// search asks wave after wave until a JA takes the slot or the deadline
// passes. When the first wave finds nobody at all, there is nobody to wait
// for: it escalates at once.
func (d *dayReplacement) search(ctx workflow.Context) error {
	nextWave := workflow.Now(ctx)
	for {
		if d.state == DayTaking {
			if err := workflow.Await(ctx, func() bool { return d.state != DayTaking }); err != nil {
				return err
			}
			continue
		}
		if d.state == DayTaken {
			return nil
		}
		now := workflow.Now(ctx)
		if !now.Before(d.deadline) {
			d.state = DayEscalated
			return nil
		}
		if !now.Before(nextWave) {
			asked := len(d.order)
			if err := d.askWave(ctx); err != nil {
				return err
			}
			nextWave = now.Add(dayWaveEvery)
			if len(d.order) == 0 || len(d.order) == asked && d.allDeclined() {
				d.state = DayEscalated // nobody to ask, or nobody new and every NEJ in
				return nil
			}
			continue // a JA may have come while the SMS went out
		}
		wake := nextWave
		if d.deadline.Before(wake) {
			wake = d.deadline
		}
		if _, err := workflow.AwaitWithTimeout(ctx, wake.Sub(now), func() bool { return d.state != DaySearching || d.allDeclined() }); err != nil {
			return err
		}
		if d.state == DaySearching && d.allDeclined() {
			nextWave = workflow.Now(ctx) // everyone asked said NEJ: the next wave now
		}
	}
}

// allDeclined tells whether everyone asked so far has said NEJ.
func (d *dayReplacement) allDeclined() bool {
	for _, id := range d.order {
		if !d.declined[id] {
			return false
		}
	}
	return len(d.order) > 0
}

// askWave records the next wave's offers and sends them side by side.
func (d *dayReplacement) askWave(ctx workflow.Context) error {
	var ids []int64
	w := activities.DayWave{AbsentAssignmentID: d.in.AbsentAssignmentID, Wave: d.waves, Size: dayWaveSize}
	if err := workflow.ExecuteActivity(ctx, a.AskDayWave, w).Get(ctx, &ids); err != nil {
		return err
	}
	d.waves++
	for _, id := range ids {
		d.offers[id] = true
		d.order = append(d.order, id)
	}
	if len(ids) > 0 {
		if err := d.publish(ctx); err != nil {
			return err
		}
	}
	msgs := make([]activities.DayMessage, len(ids))
	for i, id := range ids {
		msgs[i] = activities.DayMessage{AbsentAssignmentID: d.in.AbsentAssignmentID, Kind: models.KindDayOffer,
			Key: fmt.Sprintf("offer-%d", id), OfferID: id}
	}
	return d.sendAll(ctx, msgs)
}

// sendAll sends the SMS side by side on the rate-limited SMS queue and
// waits for them all; the first error is returned.
func (d *dayReplacement) sendAll(ctx workflow.Context, msgs []activities.DayMessage) error {
	// Ahead of the queue: on the morning a few hundred task reminders may
	// wait for the provider's rate there, and an offer that waits twenty
	// minutes is useless. (A server whose matcher ignores priorities
	// serves it in order, as before.)
	sctx := smsDeliveries(ctx)
	opts := workflow.GetActivityOptions(sctx)
	opts.Priority = temporal.Priority{PriorityKey: 1}
	sctx = workflow.WithActivityOptions(sctx, opts)
	futures := make([]workflow.Future, len(msgs))
	for i, m := range msgs {
		futures[i] = workflow.ExecuteActivity(sctx, a.SendDaySMS, m)
	}
	var first error
	for _, f := range futures {
		if err := f.Get(ctx, nil); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// tellTaken thanks the others asked (those who said NEJ are skipped by
// the activity) and tells the station leaders who comes.
func (d *dayReplacement) tellTaken(ctx workflow.Context) error {
	var msgs []activities.DayMessage
	for _, id := range d.order {
		if id != d.accepted {
			msgs = append(msgs, activities.DayMessage{AbsentAssignmentID: d.in.AbsentAssignmentID, Kind: models.KindDayOfferTaken,
				Key: fmt.Sprintf("taken-%d", id), OfferID: id})
		}
	}
	if d.accepted == 0 {
		// Taken outside this search (staff put someone on the slot): the
		// offers end as taken, and the leader hears of it from the staff.
		if err := workflow.ExecuteActivity(ctx, a.CloseDayOffers, d.in.AbsentAssignmentID, models.DayOfferTaken).Get(ctx, nil); err != nil {
			return err
		}
		return d.sendAll(ctx, msgs)
	}
	leaders, err := d.leaders(ctx)
	if err != nil {
		return err
	}
	for _, l := range leaders {
		msgs = append(msgs, activities.DayMessage{AbsentAssignmentID: d.in.AbsentAssignmentID, Kind: models.KindDayReplaced,
			Key: fmt.Sprintf("leader-%d/replaced", l), OfferID: d.accepted, LeaderID: l})
	}
	return d.sendAll(ctx, msgs)
}

// escalate tells the secretariat (a notice, and an e-mail when the
// municipality has an address) and the station leaders that nobody was
// found; the offers still open end unanswered.
func (d *dayReplacement) escalate(ctx workflow.Context) error {
	if err := workflow.ExecuteActivity(ctx, a.EscalateDay, d.in.AbsentAssignmentID).Get(ctx, nil); err != nil {
		return err
	}
	leaders, err := d.leaders(ctx)
	if err != nil {
		return err
	}
	var msgs []activities.DayMessage
	for _, l := range leaders {
		msgs = append(msgs, activities.DayMessage{AbsentAssignmentID: d.in.AbsentAssignmentID, Kind: models.KindDayEscalation,
			Key: fmt.Sprintf("leader-%d/escalation", l), LeaderID: l})
	}
	return d.sendAll(ctx, msgs)
}

func (d *dayReplacement) leaders(ctx workflow.Context) ([]int64, error) {
	var ids []int64
	err := workflow.ExecuteActivity(ctx, a.DayLeaderIDs, d.plan.ElectionID, d.plan.StationID).Get(ctx, &ids)
	return ids, err
}

// validateAccept refuses, with the reason, a JA that is not to one of this
// replacement's offers, comes after another took the slot, or after the
// search ended.
func (d *dayReplacement) validateAccept(_ workflow.Context, acc DayAccept) error {
	switch d.state {
	case "":
		return refused(RefusedNotYet, "the replacement has not begun yet; try again")
	case DayTaking, DayTaken:
		return refused(RefusedTaken, "the slot has been taken")
	case DayEscalated, DayNothing:
		return refused(RefusedEnded, "the search for a replacement is over")
	}
	if !d.offers[acc.OfferID] {
		return refused(RefusedNotOffered, "no such offer in this replacement")
	}
	return nil
}

// accept gives the slot to the first JA: the state changes at once, so a
// second JA is refused as taken while this one writes. A JA that cannot
// take the slot after all (the person took another that day) is refused
// and the search goes on.
func (d *dayReplacement) accept(ctx workflow.Context, acc DayAccept) (DayReplacementStatus, error) {
	d.state = DayTaking
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	var ref payload.LifecycleRef
	if err := workflow.ExecuteActivity(ctx, a.TakeDaySlot, acc.OfferID).Get(ctx, &ref); err != nil {
		d.state = DaySearching
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			switch app.Type() {
			case activities.DaySlotTaken:
				d.state = DayTaken // someone took it outside this search (staff): nothing left to find
				return d.status(), refused(RefusedTaken, "the slot has been taken")
			case activities.DayPersonBusy:
				return d.status(), refused(RefusedBusy, "the person holds another slot that day")
			}
		}
		return d.status(), err
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, LifecycleOptions(ref)),
		Lifecycle, payload.LifecycleInput{AssignmentID: ref.AssignmentID, Confirmed: true})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		d.state = DaySearching
		return d.status(), err
	}
	d.accepted, d.takenBy, d.state = acc.OfferID, ref.AssignmentID, DayTaken
	return d.status(), nil
}

func (d *dayReplacement) status() DayReplacementStatus {
	return DayReplacementStatus{State: d.state, Asked: len(d.order), TakenBy: d.takenBy, Deadline: d.deadline}
}

// publish sets the search attributes (election, station, party: ids; the
// state) and a memo of counts.
func (d *dayReplacement) publish(ctx workflow.Context) error {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		payload.ElectionAttr.ValueSet(id(d.plan.ElectionID)),
		payload.PollingStationAttr.ValueSet(id(d.plan.StationID)),
		payload.PartyAttr.ValueSet(id(d.plan.PartyID)),
		payload.StateAttr.ValueSet(string(d.state))); err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]any{"absentAssignment": d.in.AbsentAssignmentID, "state": string(d.state),
		"asked": len(d.order), "waves": d.waves, "takenBy": d.takenBy})
}

// DayReplacementOptions starts a replacement on the day as an abandoned
// child of the absent person's lifecycle: its id is the absent
// assignment's, so a second start finds the first.
func DayReplacementOptions(absentAssignmentID int64) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:            payload.DayReplacementID(absentAssignmentID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
}

// AcceptDayOffer sends a candidate's JA to the replacement and waits for
// its outcome; a refusal's DayRefusal is one of the Refused… kinds.
func AcceptDayOffer(ctx context.Context, c client.Client, workflowID string, offerID int64) (DayReplacementStatus, error) {
	var st DayReplacementStatus
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID, UpdateName: DayAcceptUpdate,
		Args: []any{DayAccept{OfferID: offerID}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return st, err
	}
	return st, h.Get(ctx, &st)
}

// DeclineDayOffer tells the replacement of a candidate's NEJ, recorded on
// their offer already. A replacement that has ended needs no telling.
func DeclineDayOffer(ctx context.Context, c client.Client, workflowID string, offerID int64) error {
	err := c.SignalWorkflow(ctx, workflowID, "", DayDeclineSignal, offerID)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return err
}

// DayRefusal tells why a replacement refused a JA: RefusedTaken,
// RefusedEnded (also for a replacement that has closed), RefusedBusy,
// RefusedNotOffered, RefusedNotYet; "" for an error that is no refusal.
func DayRefusal(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch t := app.Type(); t {
		case RefusedTaken, RefusedEnded, RefusedBusy, RefusedNotOffered, RefusedNotYet:
			return t
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return RefusedEnded
	}
	return ""
}
