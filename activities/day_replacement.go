package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows/payload"
)

// The replacement on the task day (workflows.DayReplacement). The workflow
// carries ids only; these activities load the people, record the offers
// and send the SMS, each with a message id made once.

// DayPlan is what the replacement learns when it begins: ids and a number.
type DayPlan struct {
	// Active: the absent person is a no-show in an active election;
	// otherwise there is nothing to replace.
	Active     bool
	ElectionID int64
	StationID  int64
	PartyID    int64
	Minutes    int // how long to search before telling the leader and the secretariat
	// TakenBy is the assignment that already took the slot (a rerun).
	TakenBy int64
}

// BeginDayReplacement reads the absent assignment's plan.
func (a *Activities) BeginDayReplacement(ctx context.Context, absentID int64) (DayPlan, error) {
	f, err := store.LoadLifecycle(ctx, a.DB, absentID)
	if errors.Is(err, models.ErrNotFound) {
		return DayPlan{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("assignment %d does not exist", absentID), "NotFound", nil)
	} else if err != nil {
		return DayPlan{}, err
	}
	as := f.Assignment
	if as.Attendance == models.AttendanceAbsent && as.State.HoldsSlot() && f.Election.State == models.ElectionActive {
		// Marked absent, and the lifecycle has not yet written the no-show
		// that frees the slot: retried until it has (a new candidate could
		// not take a slot the absent person still holds).
		return DayPlan{}, fmt.Errorf("assignment %d is marked absent but still %s; waiting for its lifecycle to end it", absentID, as.State)
	}
	p := DayPlan{ElectionID: as.ElectionID, StationID: as.StationID, PartyID: as.PartyID, Minutes: f.Election.DayReplaceMinutes,
		Active: f.Election.State == models.ElectionActive && as.State == models.StateNoShow}
	if p.Minutes <= 0 {
		p.Minutes = 60 // the schema's default
	}
	var next models.Assignment
	if err := a.DB.WithContext(ctx).Select("id").Where("replaces_id = ?", absentID).Limit(1).Find(&next).Error; err != nil {
		return p, err
	}
	p.TakenBy = next.ID
	return p, nil
}

// DayWave asks for the next wave of candidates.
type DayWave struct {
	AbsentAssignmentID int64
	Wave, Size         int
}

// AskDayWave records the offers of a wave (store.RecordDayWave) and
// returns their ids; a retry returns the same ones.
func (a *Activities) AskDayWave(ctx context.Context, w DayWave) ([]int64, error) {
	offers, err := store.RecordDayWave(ctx, a.DB, w.AbsentAssignmentID, activity.GetInfo(ctx).WorkflowExecution.ID, w.Wave, w.Size, a.now())
	ids := make([]int64, len(offers))
	for i, o := range offers {
		ids[i] = o.ID
	}
	return ids, err
}

// Why taking the slot on the day failed: the ApplicationError types the
// workflow reads.
const (
	DaySlotTaken  = "DaySlotTaken"
	DayPersonBusy = "DayPersonBusy"
)

// TakeDaySlot gives the slot to an offer's candidate (store.TakeDaySlot)
// and returns the new assignment's lifecycle to start.
func (a *Activities) TakeDaySlot(ctx context.Context, offerID int64) (payload.LifecycleRef, error) {
	next, err := store.TakeDaySlot(ctx, a.DB, offerID, a.now())
	switch {
	case errors.Is(err, store.ErrDaySlotTaken):
		return payload.LifecycleRef{}, temporal.NewNonRetryableApplicationError(err.Error(), DaySlotTaken, nil)
	case errors.Is(err, store.ErrDayPersonBusy):
		return payload.LifecycleRef{}, temporal.NewNonRetryableApplicationError(err.Error(), DayPersonBusy, nil)
	case err != nil:
		return payload.LifecycleRef{}, err
	}
	return payload.RefOf(next), nil
}

// DayLeaderIDs are the participant ids of the station's leaders.
func (a *Activities) DayLeaderIDs(ctx context.Context, electionID, stationID int64) ([]int64, error) {
	ls, err := store.StationLeaders(ctx, a.DB, electionID, stationID)
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ParticipantID
	}
	return ids, err
}

// CloseDayOffers ends the offers still waiting for an answer.
func (a *Activities) CloseDayOffers(ctx context.Context, absentID int64, state models.DayOfferState) error {
	return store.CloseDayOffers(ctx, a.DB, absentID, state)
}

// EscalateDay records the secretariat's notice that nobody was found, and
// e-mails the secretariat when the municipality has an address for it.
func (a *Activities) EscalateDay(ctx context.Context, absentID int64) error {
	if err := store.EscalateDay(ctx, a.DB, absentID, a.now()); err != nil {
		return err
	}
	m, err := store.MunicipalityOf(ctx, a.DB)
	if err != nil || m.SecretariatEmail == "" {
		return err
	}
	return a.emailSecretariat(ctx, m, DayMessage{AbsentAssignmentID: absentID, Kind: models.KindDayEscalation, Key: "escalation/secretariat"})
}

// DayMessage is one message of the replacement: to a candidate about their
// offer (OfferID), or to a station leader (LeaderID) about the offer that
// took the slot (OfferID) or the search that found nobody. Key names it
// within the workflow, so a retry finds the message made the first time.
type DayMessage struct {
	AbsentAssignmentID int64
	Kind               string
	Key                string
	OfferID            int64
	LeaderID           int64
}

// SendDaySMS sends one of the replacement's SMS. It runs on the SMS task
// queue (rate-limited for every worker together); the message's id is the
// provider's idempotency key, so a retry never sends it twice.
func (a *Activities) SendDaySMS(ctx context.Context, dm DayMessage) error {
	f, err := store.LoadLifecycle(ctx, a.DB, dm.AbsentAssignmentID)
	if err != nil {
		return err
	}
	var offer models.DayOffer
	if dm.OfferID != 0 {
		if offer, err = store.DayOfferByID(ctx, a.DB, dm.OfferID); err != nil {
			return err
		}
	}
	if dm.Kind == models.KindDayOfferTaken && offer.State == models.DayOfferDeclined {
		return nil // they said NEJ: nothing more to tell them
	}
	to := offer.ParticipantID
	if dm.LeaderID != 0 {
		to = dm.LeaderID
	}
	now := a.now()
	msg, err := store.PrepareMessage(ctx, a.DB, models.Message{DedupeKey: activity.GetInfo(ctx).WorkflowExecution.ID + "/" + dm.Key,
		Kind: dm.Kind, ParticipantID: &to, ElectionID: &f.Election.ID}, now)
	if err != nil {
		return err
	}
	if dm.Kind == models.KindDayOffer {
		if err := store.SetDayOfferMessage(ctx, a.DB, offer.ID, msg.ID); err != nil {
			return err
		}
	}
	if msg.Status != models.MessagePending {
		return nil // sent, or failed for good, by an earlier attempt
	}
	fail := func(detail string) error {
		a.Metrics.Message(string(models.ChannelSMS), msg.Kind, metrics.Failed)
		return store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, models.ChannelSMS, detail, now)
	}
	p, err := store.RecipientOf(ctx, a.DB, to, nil)
	if err != nil {
		return err
	}
	reach, err := a.reachOf(ctx, p)
	if err != nil {
		return err
	}
	if !reach.SMS {
		return fail("no SMS reaches the person")
	}
	values, err := a.dayValues(ctx, f, offer)
	if err != nil {
		return err
	}
	_, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, dm.Kind, string(models.ChannelSMS), &f.Election.ID, &f.TaskType.ID)
	if err != nil {
		return err
	}
	text, err := renderSMS(bodySrc, models.DayReplacementFields, values)
	if err != nil {
		return fail("template: " + err.Error())
	}
	sent, err := a.SMS.Send(ctx, p.Mobile.Reveal(), text, msg.ID)
	if permanent(err) {
		if err := a.afterRefusal(ctx, msg, models.ChannelSMS, err); err != nil {
			return err
		}
		return fail(err.Error())
	} else if err != nil {
		a.Metrics.Message(string(models.ChannelSMS), msg.Kind, metrics.Retried)
		return err
	}
	// The send and its audit entry are one write, as DeliverMessage's.
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.RecordAttempt(ctx, tx, msg.ID, models.ChannelSMS, models.MessageSent, sent.SID, "", now); err != nil {
			return err
		}
		return store.Audit(tx, models.AuditEntry{At: now, Action: models.AuditMessageSent, ParticipantID: msg.ParticipantID,
			Detail: fmt.Sprintf("%s by %s", msg.Kind, models.ChannelSMS)})
	})
	if err != nil {
		return err
	}
	a.Metrics.Message(string(models.ChannelSMS), msg.Kind, metrics.Sent)
	return nil
}

// dayValues are the merge fields of the replacement's messages: the
// station, the task and the time to come; for an accepted offer, the
// replacement's name and number (for their station leader; a person with
// name and address protection has their number kept from the leader).
func (a *Activities) dayValues(ctx context.Context, f store.LifecycleFacts, offer models.DayOffer) (map[string]string, error) {
	db := a.DB.WithContext(ctx)
	var st models.PollingStation
	if err := db.First(&st, f.Assignment.StationID).Error; err != nil {
		return nil, err
	}
	m, err := store.MunicipalityOf(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	asked := a.now()
	if offer.ID != 0 {
		asked = offer.AskedAt
	}
	v := map[string]string{
		"election:name":     f.Election.Title,
		"task:name":         f.TaskType.Name,
		"station:name":      st.Name,
		"offer:time":        models.MeetAt(store.TaskStart(f.Assignment.Day, f.TaskType), asked).In(models.Copenhagen).Format("15:04"),
		"search:minutes":    strconv.Itoa(f.Election.DayReplaceMinutes),
		"replacement:name":  "",
		"replacement:phone": "",
	}
	if offer.ID != 0 {
		p, err := store.RecipientOf(ctx, a.DB, offer.ParticipantID, nil)
		if err != nil {
			return nil, err
		}
		v["replacement:name"], v["replacement:phone"] = p.Name, p.Mobile.Reveal()
		if p.ProtectedAddress { // as on the leader's check-in list: no number
			v["replacement:phone"] = models.ProtectedPhone
		}
	}
	return models.WithSite(v, m), nil
}

// emailSecretariat e-mails the municipality's secretariat address one of
// the replacement's messages, made once.
func (a *Activities) emailSecretariat(ctx context.Context, m models.Municipality, dm DayMessage) error {
	f, err := store.LoadLifecycle(ctx, a.DB, dm.AbsentAssignmentID)
	if err != nil {
		return err
	}
	now := a.now()
	msg, err := store.PrepareMessage(ctx, a.DB, models.Message{DedupeKey: activity.GetInfo(ctx).WorkflowExecution.ID + "/" + dm.Key,
		Kind: dm.Kind, ElectionID: &f.Election.ID}, now)
	if err != nil || msg.Status != models.MessagePending {
		return err
	}
	if a.Mail == nil {
		return store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, models.ChannelEmail, ErrMailNotConfigured.Error(), now)
	}
	values, err := a.dayValues(ctx, f, models.DayOffer{})
	if err != nil {
		return err
	}
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, dm.Kind, string(models.ChannelEmail), &f.Election.ID, &f.TaskType.ID)
	if err != nil {
		return err
	}
	subject, text, html, err := renderEmail(subjectSrc, bodySrc, models.DayReplacementFields, values)
	if err != nil {
		return store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, models.ChannelEmail, "template: "+err.Error(), now)
	}
	id := fmt.Sprintf("<%s@%s>", msg.ID, a.mailDomain())
	err = a.Mail.Send(ctx, mail.Message{FromName: m.EmailSender(), To: m.SecretariatEmail, ToName: "Valgsekretariatet",
		Subject: subject, Text: text, HTML: html, MessageID: id})
	status, detail := models.MessageSent, ""
	switch {
	case mail.IsPermanent(err):
		status, detail = models.MessageFailed, err.Error()
	case err != nil:
		return err
	}
	return store.RecordAttempt(ctx, a.DB, msg.ID, models.ChannelEmail, status, id, detail, now)
}
