package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Twilio's webhooks: replies to our SMS (JA / NEJ, STOP) and delivery
// status callbacks. Both are form POSTs signed with the account's auth
// token over the public URL Twilio was given; an unsigned or tampered
// request is refused with 403 before anything is read or written.

const (
	smsReplyPath  = "/webhooks/twilio/sms"
	smsStatusPath = "/webhooks/twilio/status"
)

// SMSReplyURL and SMSStatusURL are the webhook URLs to give Twilio for a
// site served at publicURL.
func SMSReplyURL(publicURL string) string  { return strings.TrimRight(publicURL, "/") + smsReplyPath }
func SMSStatusURL(publicURL string) string { return strings.TrimRight(publicURL, "/") + smsStatusPath }

// The replies: always in Danish (the catalogs' "sms.*" keys), as the
// numbers are Danish. None names a party or holds a CPR number.
var (
	smsReplyUnknown   = smsText("sms.reply.unknown")
	smsReplyNoOpen    = smsText("sms.reply.no_open")
	smsReplyWhichCode = smsText("sms.reply.which_code")
	smsReplyBadCode   = smsText("sms.reply.bad_code")
	smsReplyYes       = smsText("sms.reply.yes")
	smsReplyNo        = smsText("sms.reply.no")
	smsReplyOptIn     = smsText("sms.reply.opt_in")
	smsReplyHelp      = smsText("sms.reply.help")
	smsReplyDown      = smsText("sms.reply.down")
)

// smsText is a reply's text in Danish.
func smsText(key string) string { return locale.Text(locale.Danish, key) }

// smsRefusals explains a refused answer by SMS.
var smsRefusals = map[string]string{
	workflows.RefusedAlreadyConfirmed: smsText("sms.refused.already_confirmed"),
	workflows.RefusedAlreadyDeclined:  smsText("sms.refused.already_declined"),
	workflows.RefusedDeadlinePassed:   smsText("sms.refused.deadline_passed"),
	workflows.RefusedEnded:            smsText("sms.refused.ended"),
	workflows.RefusedLockPeriod:       smsText("sms.refused.lock_period"),
}

// signedTwilioForm reads a webhook's form and checks its signature over the
// public URL of path: 403 (fail closed) when the signature is missing or
// wrong, or no auth token is configured; 400 when the body is malformed.
func (s *server) signedTwilioForm(c *gin.Context, path string) (url.Values, bool) {
	if s.SMSAuthToken == "" || s.PublicURL == "" {
		c.String(http.StatusForbidden, "SMS webhooks are not configured")
		return nil, false
	}
	form, err := sms.VerifiedForm(c.Request, s.SMSAuthToken, strings.TrimRight(s.PublicURL, "/")+path)
	switch {
	case errors.Is(err, sms.ErrBadSignature):
		s.Log.WarnContext(c.Request.Context(), "twilio webhook refused: bad or missing signature", "route", path)
		c.String(http.StatusForbidden, "invalid signature")
		return nil, false
	case err != nil:
		c.String(http.StatusBadRequest, err.Error())
		return nil, false
	}
	return form, true
}

// smsReply answers an SMS from a person: JA or NEJ to their open
// invitation, STOP / START, or help. The answer goes to the lifecycle as
// an update, exactly as an answer by link does.
func (s *server) smsReply(c *gin.Context) {
	form, ok := s.signedTwilioForm(c, smsReplyPath)
	if !ok {
		return
	}
	in, err := sms.ParseInbound(form)
	if err != nil {
		c.String(http.StatusBadRequest, err.Error())
		return
	}
	ctx := c.Request.Context()
	text, err := s.answerSMS(ctx, store.MobileIndex(s.Keys, in.From), sms.ParseReply(in.Body))
	if err != nil {
		s.Log.ErrorContext(ctx, "sms reply not handled", "error", err)
		text = smsReplyDown
	}
	c.Data(http.StatusOK, sms.TwiMLContentType, sms.TwiML(text))
}

// answerSMS acts on a parsed reply from the number with this blind index
// and returns the text to answer with.
func (s *server) answerSMS(ctx context.Context, mobile string, r sms.Reply) (string, error) {
	now := s.Now().UTC()
	switch r.Answer {
	case sms.OptOut:
		// Twilio answers STOP itself; we mirror it and say nothing more.
		return "", store.OptOutSMS(ctx, s.DB, mobile, now)
	case sms.OptIn:
		return smsReplyOptIn, store.OptInSMS(ctx, s.DB, mobile)
	case sms.Help:
		return smsReplyHelp, nil
	case sms.Yes, sms.No:
	default:
		return smsReplyUnknown, nil
	}
	open, err := store.OpenInvitationsByMobile(ctx, s.DB, mobile)
	if err != nil {
		return "", err
	}
	inv, reply := pickInvitation(open, r.Code)
	if inv == nil {
		return reply, nil
	}
	var a models.Assignment
	if err := s.DB.WithContext(ctx).First(&a, inv.AssignmentID).Error; err != nil {
		return "", err
	}
	ans := workflows.Answer{Accept: r.Answer == sms.Yes, By: "sms"}
	if !ans.Accept {
		ans.Reason = models.DeclineNotThisTime
	}
	uctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = workflows.UpdateLifecycle(uctx, s.Temporal, a.WorkflowID, workflows.AnswerUpdate, ans)
	if kind := workflows.Refusal(err); kind != "" {
		if text, ok := smsRefusals[kind]; ok {
			return text, nil
		}
		return smsReplyUnknown, nil
	} else if err != nil {
		return "", err
	}
	day := models.DanishLongDate(inv.Day)
	if ans.Accept {
		return fmt.Sprintf(smsReplyYes, inv.TaskName, day), nil
	}
	return fmt.Sprintf(smsReplyNo, inv.TaskName, day), nil
}

// pickInvitation finds the invitation a reply is for: the only open one,
// or the one whose code the reply names. Otherwise it returns the text that
// asks for what is missing.
func pickInvitation(open []store.OpenInvitation, code string) (*store.OpenInvitation, string) {
	if len(open) == 0 {
		return nil, smsReplyNoOpen
	}
	if code != "" {
		var found []store.OpenInvitation
		for _, o := range open {
			if strings.EqualFold(o.Code, code) {
				found = append(found, o)
			}
		}
		if len(found) == 1 {
			return &found[0], ""
		}
		if len(open) > 1 || len(found) > 1 {
			return nil, smsReplyBadCode
		}
		// One open invitation and a code that is not its own: a typo in
		// the code does not stop a clear answer.
	}
	if len(open) > 1 {
		return nil, fmt.Sprintf(smsReplyWhichCode, open[0].Code)
	}
	return &open[0], ""
}

// smsStatus records a delivery status Twilio reports for a message we sent.
// An opted-out number (21610) is mirrored, so no further SMS is tried.
func (s *server) smsStatus(c *gin.Context) {
	form, ok := s.signedTwilioForm(c, smsStatusPath)
	if !ok {
		return
	}
	cb, err := sms.ParseStatusCallback(form)
	if err != nil {
		c.String(http.StatusBadRequest, err.Error())
		return
	}
	ctx := c.Request.Context()
	detail := ""
	if cb.ErrorCode != 0 {
		detail = fmt.Sprintf("twilio error %d", cb.ErrorCode)
	}
	// The callback URL names our message (sms.Client.Send; signed with
	// the rest): a report that overtakes the record of the send is kept.
	m, err := store.RecordProviderStatus(ctx, s.DB, cb.MessageSID, c.Query(sms.CallbackMessageParam), cb.Status, detail, s.Now().UTC())
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Not ours (or deleted with its person): acknowledged, so Twilio
		// does not retry it.
		c.Status(http.StatusNoContent)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	if cb.ErrorCode == sms.CodeOptedOut && m.ParticipantID != nil {
		var p models.Participant
		if err := s.DB.WithContext(ctx).Select("id", "mobile_index").First(&p, *m.ParticipantID).Error; err == nil && p.MobileIndex != nil {
			err = store.OptOutSMS(ctx, s.DB, *p.MobileIndex, s.Now().UTC())
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Status(http.StatusNoContent)
}
