package recruit

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// dayOfferWindow is how long after an offer on the task day a JA or NEJ
// from the person's number is taken as the answer to it. An offer asks
// someone to come within the hour and its search ends within
// DayReplaceMinutes (at most 12 hours): after a few hours a reply is
// about something else, most likely an ordinary invitation.
const dayOfferWindow = 6 * time.Hour

// answerDayOffer takes a JA or NEJ as the answer to the newest day offer
// made to the number within dayOfferWindow. It reports false when there is
// none, or when the reply carries the code of an open ordinary
// invitation: that code names the invitation meant. Otherwise the day
// offer wins: it is urgent and short-lived and its SMS says only "Svar JA",
// while an invitation waits days for its answer and the person can still
// give it with its code or link. A JA goes to the replacement's workflow
// (workflows.AcceptDayOffer), which takes it or refuses it with a reason;
// a NEJ is recorded on the offer and told to the replacement
// (workflows.DeclineDayOffer).
func (s *Service) answerDayOffer(ctx context.Context, mobile string, r sms.Reply, now time.Time) (bool, SMSReply, error) {
	o, found, err := store.DayOfferByMobile(ctx, s.DB, mobile, now.Add(-dayOfferWindow))
	if err != nil || !found {
		return found, SMSReply{}, err
	}
	if r.Code != "" {
		open, err := store.OpenInvitationsByMobile(ctx, s.DB, mobile)
		if err != nil {
			return true, SMSReply{}, err
		}
		for _, inv := range open {
			if strings.EqualFold(inv.Code, r.Code) {
				return false, SMSReply{}, nil
			}
		}
	}
	if r.Answer == sms.No {
		declined, err := store.DeclineDayOffer(ctx, s.DB, o.ID, now)
		if err != nil {
			return true, SMSReply{}, err
		}
		// The replacement asks on at once when everyone it asked said
		// NEJ. Not telling it only costs minutes (its next wave goes out
		// at the quarter hour), and the NEJ is recorded: the person is
		// thanked either way.
		if declined && s.Temporal != nil {
			if err := workflows.DeclineDayOffer(ctx, s.Temporal, o.WorkflowID, o.ID); err != nil {
				s.Log.WarnContext(ctx, "day offer NEJ not told to the replacement", "offer_id", o.ID, "error", err)
			}
		}
		return true, reply("recruit.sms.day.no"), nil
	}
	switch o.State {
	case models.DayOfferAccepted:
		return true, reply("recruit.sms.day.yes"), nil // a second JA: the slot is already theirs
	case models.DayOfferTaken:
		return true, reply("recruit.sms.day." + workflows.RefusedTaken), nil
	case models.DayOfferUnanswered:
		return true, reply("recruit.sms.day." + workflows.RefusedEnded), nil
	}
	if s.Temporal == nil {
		return true, SMSReply{}, errors.New("no Temporal client")
	}
	uctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	_, err = workflows.AcceptDayOffer(uctx, s.Temporal, o.WorkflowID, o.ID)
	switch kind := workflows.DayRefusal(err); kind {
	case "":
		if err != nil {
			s.Log.ErrorContext(ctx, "day offer answer not delivered", "offer_id", o.ID, "error", err)
			return true, SMSReply{}, err
		}
		return true, reply("recruit.sms.day.yes"), nil
	case workflows.RefusedTaken, workflows.RefusedEnded, workflows.RefusedBusy:
		return true, reply("recruit.sms.day." + kind), nil
	case workflows.RefusedNotYet:
		return true, SMSReply{}, err // the reply says to try again
	default:
		return true, reply("recruit.sms.unknown"), nil
	}
}
