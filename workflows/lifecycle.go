package workflows

import (
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// The lifecycle of one person on one slot: invited → reminded → confirmed
// or declined, or expired at the deadline → task reminders → completed; or
// cancelled by staff or by the person, or removed when no longer eligible.
// A lifecycle that ends without a confirmation reopens the slot, and the
// next person on the party's reserve list is invited when the election
// replaces automatically.
//
// The history holds ids, states and instants only: the activities load the
// person, write the projection and send the messages.

// Lifecycle is the workflow of one person on one slot. Start it with
// LifecycleOptions, or as the round's activity does, so its id is derived
// from the slot and the person (payload.LifecycleID).
func Lifecycle(ctx workflow.Context, in payload.LifecycleInput) error {
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	lc := &lifecycle{in: in, id: workflow.GetInfo(ctx).WorkflowExecution.ID, writing: workflow.NewMutex(ctx)}
	// The status answers from the first task on: under load the first local
	// activity can outlast a workflow task, and a query then found no
	// handler ("unknown queryType"). A query writes no history.
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (LifecycleStatus, error) { return lc.status(), nil }); err != nil {
		return err
	}
	// The updates too, before the first local activity: one that arrives
	// while BeginLifecycle is still being retried (after a fault) is
	// refused as NotYet, which callers retry, instead of the server's
	// "unknown update" that callers cannot tell from a real failure.
	if err := lc.register(ctx); err != nil {
		return err
	}
	if in.Confirmed {
		// Taken by the person themselves (a claim sign-up link): no
		// invitation, no answer to wait for.
		if began, err := lc.beginConfirmed(ctx); err != nil || !began {
			return err
		}
	} else {
		if invited, err := lc.invite(ctx); err != nil || !invited {
			return err
		}
		if err := lc.awaitAnswer(ctx); err != nil { // reminded until confirmed, declined or expired
			return err
		}
	}
	if lc.state == models.StateConfirmed {
		if err := lc.serve(ctx); err != nil { // confirmation, task reminders, completed
			return err
		}
	}
	if err := lc.end(ctx); err != nil { // told how it ended; the slot reopened for a reserve
		return err
	}
	// An update still writing its step finishes before the workflow does.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// Names of the lifecycle's updates and query.
const (
	AnswerUpdate   = "answer"   // the person's (or staff's on their behalf) yes or no
	WithdrawUpdate = "withdraw" // the person cancels after saying yes
	CancelUpdate   = "cancel"   // staff retract an invitation or remove a confirmed person
	// CheckInUpdate marks a confirmed person present or absent on the task
	// day (CheckIn); absent ends the lifecycle as a no-show and starts a
	// DayReplacement.
	CheckInUpdate = "checkin"
	StatusQuery   = "status"
	// RemoveSignal: re-validation found the person no longer eligible. A
	// signal, not an update, because a workflow sends it.
	RemoveSignal = "remove"
)

// Why an answer or a cancellation is refused: the type of the
// ApplicationError the update's validator returns. The web app turns each
// into a clear sentence; none is a silent no-op.
const (
	RefusedAlreadyConfirmed = "AlreadyConfirmed"
	RefusedAlreadyDeclined  = "AlreadyDeclined"
	RefusedDeadlinePassed   = "DeadlinePassed"
	RefusedLockPeriod       = "LockPeriod"
	RefusedEnded            = "Ended"
	RefusedBadAnswer        = "BadAnswer"
	// RefusedNotTaskDay: a check-in before the task day (CheckInFrom).
	RefusedNotTaskDay = "NotTaskDay"
	// RefusedNotConfirmed: a check-in of a person who never said yes.
	RefusedNotConfirmed = "NotConfirmed"
	// RefusedNotYet: the lifecycle has not begun (its first write is still
	// being retried). Not a refusal a person is told: try again shortly.
	RefusedNotYet = "NotYet"
)

// Answer is a yes or a no with its reason. By says who answered: "link",
// "sms", or "staff:<user id>" for an answer taken by phone or letter.
type Answer struct {
	Accept bool
	Reason models.DeclineReason
	By     string
}

// CheckIn is a check-in mark on the task day. By is "staff:<user id>" or
// "leader:<participant id>" (a station leader on Min side).
type CheckIn struct {
	Present bool
	By      string
}

// Cancellation is staff's retraction or removal; By is "staff:<user id>".
type Cancellation struct{ By string }

// LifecycleStatus is what the status query and every update return.
type LifecycleStatus struct {
	State         models.AssignmentState
	Deadline      time.Time
	LockFrom      time.Time
	RemindersSent int
	ReplacedBy    string // the lifecycle that took over the slot
	Attendance    models.Attendance
}

// lifecycleActivities: database writes and sends are retried until they
// succeed (a mail relay may be down for hours); a send is safe to retry
// because every message has an id made once.
var lifecycleActivities = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
		MaximumInterval: 10 * time.Minute},
}

// writeLocally retries as lifecycleActivities would; a local activity that
// outlives the workflow task is retried on timers.
var writeLocally = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 24 * time.Hour,
	StartToCloseTimeout:    time.Minute,
	RetryPolicy:            lifecycleActivities.RetryPolicy,
}

type lifecycle struct {
	in         payload.LifecycleInput
	id         string
	plan       activities.LifecyclePlan
	state      models.AssignmentState
	reminders  int
	endMessage string // the message kind the person gets when the lifecycle ends this way
	replacedBy string
	unwritten  []payload.Transition // steps taken, not yet in the projection
	attendance models.Attendance    // the day's check-in mark
	dayOver    bool                 // completed or no-show at CompleteAt: nothing more to do
	writing    workflow.Mutex
}

// invite marks the person invited, opens the lifecycle to answers and
// sends the invitation. It reports false when there is nobody to invite:
// only an active election sends anything, and a person who is past the
// invitation already (a second start) is left as they are.
func (lc *lifecycle) invite(ctx workflow.Context) (bool, error) {
	if err := lc.write(ctx, a.BeginLifecycle, lc.in.AssignmentID).Get(ctx, &lc.plan); err != nil {
		return false, err
	}
	if !lc.plan.Active || lc.plan.State != models.StateInvited {
		if lc.plan.State == "" {
			return false, nil
		}
		// Started as invited (LifecycleOptions): say what it is.
		lc.state = lc.plan.State
		return false, lc.publish(ctx)
	}
	lc.state = models.StateInvited
	// A lifecycle starts with the state and memo it has now
	// (LifecycleOptions): publishing them again would cost the server a
	// visibility write per person in a round. A replacement adds whom it
	// replaces.
	if lc.in.Replaces != "" || !startedAs(ctx, lc.state) {
		if err := lc.publish(ctx); err != nil {
			return false, err
		}
	}
	return true, lc.send(ctx, models.KindInvitation, "invitation")
}

// beginConfirmed marks the person confirmed and opens the lifecycle to
// withdrawal and cancellation. It reports false when there is nothing to
// serve: an inactive election, or a person past confirmation already.
func (lc *lifecycle) beginConfirmed(ctx workflow.Context) (bool, error) {
	if err := lc.write(ctx, a.BeginConfirmedLifecycle, lc.in.AssignmentID).Get(ctx, &lc.plan); err != nil {
		return false, err
	}
	if !lc.plan.Active || lc.plan.State != models.StateConfirmed {
		if lc.plan.State == "" {
			return false, nil
		}
		lc.state = lc.plan.State
		return false, lc.publish(ctx)
	}
	lc.state = models.StateConfirmed
	return true, lc.publish(ctx)
}

func (lc *lifecycle) status() LifecycleStatus {
	return LifecycleStatus{State: lc.state, Deadline: lc.plan.Schedule.Deadline, LockFrom: lc.plan.Schedule.LockFrom,
		RemindersSent: lc.reminders, ReplacedBy: lc.replacedBy, Attendance: lc.attendance}
}

func refused(kind, msg string) error { return temporal.NewApplicationError(msg, kind) }

var errNotYet = refused(RefusedNotYet, "the lifecycle has not begun yet; try again")

func (lc *lifecycle) register(ctx workflow.Context) error {
	updates := []struct {
		name     string
		handler  any
		validate any
	}{
		{AnswerUpdate, func(ctx workflow.Context, ans Answer) (LifecycleStatus, error) {
			if ans.Accept {
				err := lc.step(ctx, models.StateConfirmed, "", ans.By)
				return lc.status(), err
			}
			lc.endMessage = models.KindCancellationConfirmation
			err := lc.step(ctx, models.StateDeclined, ans.Reason, ans.By)
			return lc.status(), err
		}, lc.validateAnswer},
		{WithdrawUpdate, func(ctx workflow.Context, by string) (LifecycleStatus, error) {
			lc.endMessage = models.KindCancellationConfirmation
			err := lc.step(ctx, models.StateCancelled, "", by)
			return lc.status(), err
		}, lc.validateWithdraw},
		{CancelUpdate, func(ctx workflow.Context, c Cancellation) (LifecycleStatus, error) {
			lc.endMessage = models.KindRetractedInvitation
			if lc.state == models.StateConfirmed {
				lc.endMessage = models.KindRemovedFromTask
			}
			err := lc.step(ctx, models.StateCancelled, "", c.By)
			return lc.status(), err
		}, func(ctx workflow.Context, _ Cancellation) error { return lc.validateHolding() }},
		{CheckInUpdate, lc.checkIn, lc.validateCheckIn},
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		remove := workflow.GetSignalChannel(ctx, RemoveSignal)
		// A removal sent before the lifecycle began waits in the channel.
		if err := workflow.Await(ctx, func() bool { return lc.state != "" }); err != nil {
			return
		}
		for {
			remove.Receive(ctx, nil)
			if lc.validateHolding() == nil {
				lc.endMessage = models.KindRemovedByValidation
				_ = lc.step(ctx, models.StateRemoved, "", "validation")
			}
		}
	})
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validate}); err != nil {
			return err
		}
	}
	return nil
}

// validateAnswer refuses, with the reason, an answer that comes too late,
// twice, or after the opposite answer.
func (lc *lifecycle) validateAnswer(ctx workflow.Context, ans Answer) error {
	if lc.state == "" {
		return errNotYet
	}
	if !ans.Accept && ans.Reason != models.DeclineNotThisTime && ans.Reason != models.DeclineRemoveMe {
		return refused(RefusedBadAnswer, "a no needs a reason: not_this_time or remove_me")
	}
	switch lc.state {
	case models.StateInvited:
		if !workflow.Now(ctx).Before(lc.plan.Schedule.Deadline) {
			return refused(RefusedDeadlinePassed, "the deadline for answering has passed")
		}
		return nil
	case models.StateConfirmed:
		return refused(RefusedAlreadyConfirmed, "already confirmed")
	case models.StateDeclined:
		return refused(RefusedAlreadyDeclined, "already declined")
	case models.StateExpired:
		return refused(RefusedDeadlinePassed, "the deadline for answering has passed")
	}
	return refused(RefusedEnded, "the invitation is no longer open")
}

// validateWithdraw lets a confirmed person cancel by themselves, but not
// inside the lock period: then only the staff can take them off.
func (lc *lifecycle) validateWithdraw(ctx workflow.Context, _ string) error {
	switch lc.state {
	case "":
		return errNotYet
	case models.StateConfirmed:
		if !workflow.Now(ctx).Before(lc.plan.Schedule.LockFrom) {
			return refused(RefusedLockPeriod, "inside the lock period only the election staff can cancel")
		}
		return nil
	case models.StateInvited:
		return refused(RefusedBadAnswer, "not confirmed: answer no instead")
	}
	return refused(RefusedEnded, "the task is no longer yours")
}

func (lc *lifecycle) validateHolding() error {
	if lc.state == "" {
		return errNotYet
	}
	if lc.state == models.StateInvited || lc.state == models.StateConfirmed {
		return nil
	}
	return refused(RefusedEnded, "the lifecycle has ended ("+string(lc.state)+")")
}

// validateCheckIn lets a confirmed person be marked on their task day:
// from 00:00 of the day (CheckInFrom) until the day is over.
func (lc *lifecycle) validateCheckIn(ctx workflow.Context, _ CheckIn) error {
	switch lc.state {
	case "":
		return errNotYet
	case models.StateConfirmed:
		now := workflow.Now(ctx)
		if now.Before(lc.plan.Schedule.CheckInFrom) {
			return refused(RefusedNotTaskDay, "check-in is only on the task day")
		}
		if !now.Before(lc.plan.Schedule.CompleteAt) {
			return refused(RefusedEnded, "the task day is over")
		}
		return nil
	case models.StateInvited:
		return refused(RefusedNotConfirmed, "the person has not confirmed")
	}
	return refused(RefusedEnded, "the lifecycle has ended ("+string(lc.state)+")")
}

// checkIn records the day's mark. Present keeps the person confirmed (and
// may be corrected to absent later); absent ends the lifecycle as a
// no-show, which frees the slot for a replacement on the day (end).
func (lc *lifecycle) checkIn(ctx workflow.Context, c CheckIn) (LifecycleStatus, error) {
	if c.Present {
		lc.attendance = models.AttendancePresent
		lc.unwritten = append(lc.unwritten, payload.Transition{AssignmentID: lc.in.AssignmentID,
			Attendance: models.AttendancePresent, By: c.By})
		err := lc.flush(ctx)
		return lc.status(), err
	}
	lc.attendance = models.AttendanceAbsent
	lc.endMessage = "" // the person is not told: staff phone them if need be
	lc.state = models.StateNoShow
	lc.unwritten = append(lc.unwritten, payload.Transition{AssignmentID: lc.in.AssignmentID, To: models.StateNoShow,
		Attendance: models.AttendanceAbsent, By: c.By})
	err := lc.flush(ctx)
	return lc.status(), err
}

// step moves the lifecycle to a new state: at once in memory (so a second
// update is validated against it), then in the projection and the search
// attributes. Steps are written in the order they were taken, even when a
// second update arrives while the first is still writing (a cancel racing
// a confirmation must not leave "confirmed" in the database).
func (lc *lifecycle) step(ctx workflow.Context, to models.AssignmentState, reason models.DeclineReason, by string) error {
	lc.state = to
	lc.unwritten = append(lc.unwritten, payload.Transition{AssignmentID: lc.in.AssignmentID, To: to, Reason: reason, By: by})
	return lc.flush(ctx)
}

// flush writes the steps taken and not yet written, in order. A step that
// is being written by another coroutine is waited for.
func (lc *lifecycle) flush(ctx workflow.Context) error {
	// An update handler's context does not carry the workflow's options.
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	if err := lc.writing.Lock(ctx); err != nil {
		return err
	}
	defer lc.writing.Unlock()
	if len(lc.unwritten) == 0 {
		return nil // written by the step before, together with its own
	}
	batch := lc.unwritten
	lc.unwritten = nil
	if err := lc.write(ctx, a.RecordTransitions, batch).Get(ctx, nil); err != nil {
		return err
	}
	return lc.publish(ctx)
}

// write runs a projection write as a local activity, inside the workflow
// task: no round trip through the server per write.
func (lc *lifecycle) write(ctx workflow.Context, activity any, args ...any) workflow.Future {
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, writeLocally), activity, args...)
}

// publish shows the state to operators: the search attribute they filter
// on and a memo with a non-personal summary.
func (lc *lifecycle) publish(ctx workflow.Context) error {
	if err := workflow.UpsertTypedSearchAttributes(ctx, payload.StateAttr.ValueSet(string(lc.state))); err != nil {
		return err
	}
	memo := map[string]any{"assignment": lc.in.AssignmentID, "state": string(lc.state), "reminders": lc.reminders}
	if lc.in.Replaces != "" {
		memo["replaces"] = lc.in.Replaces
	}
	if lc.replacedBy != "" {
		memo["replacedBy"] = lc.replacedBy
	}
	return workflow.UpsertMemo(ctx, memo)
}

// startedAs says whether the lifecycle's state search attribute is state.
func startedAs(ctx workflow.Context, state models.AssignmentState) bool {
	v, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(payload.StateAttr)
	return ok && v == string(state)
}

// send sends one of the lifecycle's messages (deliverLocally); key names
// it within the lifecycle, so a retry sends it once.
func (lc *lifecycle) send(ctx workflow.Context, kind, key string) error {
	return deliverLocally(ctx, activities.LifecycleMessage{AssignmentID: lc.in.AssignmentID, WorkflowID: lc.id, Kind: kind, Key: key})
}

// sleepWhile waits until the instant at, or until the state leaves s; it
// reports whether the time came with the state unchanged.
func (lc *lifecycle) sleepWhile(ctx workflow.Context, at time.Time, s models.AssignmentState) (bool, error) {
	d := at.Sub(workflow.Now(ctx))
	if d <= 0 {
		return lc.state == s, nil
	}
	changed, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return lc.state != s })
	return !changed && err == nil, err
}

// awaitAnswer reminds on schedule until an answer comes or the deadline
// passes.
func (lc *lifecycle) awaitAnswer(ctx workflow.Context) error {
	sched := lc.plan.Schedule
	for lc.state == models.StateInvited {
		next, reminder := sched.Deadline, lc.reminders < len(sched.Reminders)
		if reminder {
			next = sched.Reminders[lc.reminders]
		}
		due, err := lc.sleepWhile(ctx, next, models.StateInvited)
		if err != nil || !due {
			return err
		}
		if !reminder {
			return lc.step(ctx, models.StateExpired, "", "deadline")
		}
		lc.reminders++
		if err := lc.send(ctx, models.KindInvitationReminder, "reminder-"+strconv.Itoa(lc.reminders)); err != nil {
			return err
		}
		if err := lc.write(ctx, a.RecordTransitions,
			[]payload.Transition{{AssignmentID: lc.in.AssignmentID, To: models.StateInvited, Reminded: true}}).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// serve confirms to a confirmed person, sends them the task reminders and
// completes the lifecycle when the task day is over.
func (lc *lifecycle) serve(ctx workflow.Context) error {
	if err := lc.send(ctx, models.KindConfirmation, "confirmation"); err != nil {
		return err
	}
	sched := lc.plan.Schedule
	for _, r := range []struct {
		at   time.Time
		kind string
	}{{sched.TaskReminder, models.KindTaskReminder}, {sched.EveningReminder, models.KindEveningReminder},
		{sched.MorningReminder, models.KindMorningReminder}} {
		if r.at.IsZero() || !r.at.After(workflow.Now(ctx)) {
			continue // confirmed after the reminder's time: no late reminder
		}
		due, err := lc.sleepWhile(ctx, r.at, models.StateConfirmed)
		if err != nil || !due {
			return err
		}
		if err := lc.send(ctx, r.kind, r.kind); err != nil {
			return err
		}
	}
	due, err := lc.sleepWhile(ctx, sched.CompleteAt, models.StateConfirmed)
	if err != nil || !due {
		return err
	}
	// Completed only for those marked present: a person nobody checked in
	// is a no-show until staff correct it on the closing page (where the
	// day's marks are the starting point).
	lc.dayOver = true
	if lc.attendance == models.AttendancePresent {
		return lc.step(ctx, models.StateCompleted, "", payload.DayOver)
	}
	return lc.step(ctx, models.StateNoShow, "", payload.DayOver)
}

// end tells the person how their lifecycle ended and, when it ended
// without a confirmation, reopens the slot and starts the replacement's
// lifecycle (abandoned: it lives on after this one closes).
func (lc *lifecycle) end(ctx workflow.Context) error {
	if lc.state == models.StateCompleted || lc.state == models.StateConfirmed || lc.dayOver {
		return nil
	}
	// Wait for the update or signal that ended the lifecycle to record
	// its step (a signal's coroutine is no handler the SDK waits for).
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := lc.flush(ctx); err != nil {
		return err
	}
	if lc.endMessage != "" {
		if err := lc.send(ctx, lc.endMessage, "end"); err != nil {
			return err
		}
	}
	var next *payload.LifecycleRef
	if err := lc.write(ctx, a.ReopenSlot, lc.in.AssignmentID).Get(ctx, &next); err != nil {
		return err
	}
	// The party's secretaries hear that their slot is open again (and
	// whether a reserve took it, in the overview the notice links to).
	if err := workflow.ExecuteActivity(ctx, a.NotifyPartySecretaries, lc.in.AssignmentID, lc.id).Get(ctx, nil); err != nil {
		return err
	}
	if lc.attendance == models.AttendanceAbsent {
		return lc.replaceOnTheDay(ctx)
	}
	if next == nil {
		return nil
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, LifecycleOptions(*next)),
		Lifecycle, payload.LifecycleInput{AssignmentID: next.AssignmentID, Replaces: lc.id})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return err
	}
	lc.replacedBy = next.WorkflowID
	return lc.publish(ctx)
}

// replaceOnTheDay starts the search for someone to take the slot of a
// person marked absent (abandoned: it outlives this lifecycle). Its id is
// the absent assignment's, so a second start finds the first.
func (lc *lifecycle) replaceOnTheDay(ctx workflow.Context) error {
	opts := DayReplacementOptions(lc.in.AssignmentID)
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), DayReplacement,
		DayReplacementInput{AbsentAssignmentID: lc.in.AssignmentID})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return err
	}
	lc.replacedBy = opts.WorkflowID
	return lc.publish(ctx)
}

// LifecycleOptions starts a lifecycle as an abandoned child: its id is the
// assignment's (derived from slot and person), so a second start finds the
// first; it carries the search attributes operators filter on.
func LifecycleOptions(ref payload.LifecycleRef) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:        ref.WorkflowID,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		// A lifecycle that ended leaves its person in a final state, and
		// only nominated people are started: a new run of a closed id is
		// a person nominated again, never a second invitation.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: payload.LifecycleAttributes(ref),
		// What the lifecycle will publish once it has invited the person
		// (lifecycle.publish), so it need not publish it again.
		Memo: payload.LifecycleMemo(ref),
	}
}
