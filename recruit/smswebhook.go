package recruit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
)

// The SMS provider's webhooks (Twilio: signed form posts): a person's reply
// and the delivery reports of what we sent. They live here, not in web,
// because checking the signature is how an SMS answer is known to come from
// the person's number — part of accepting the answer — and because the
// provider's wire format is the provider client's (activities/sms), which
// web does not import. Web keeps the routes and the 403 / 400 / 200.

// ErrBadSignature: a webhook request whose signature is missing or wrong.
var ErrBadSignature = sms.ErrBadSignature

// SMSCallbackParam is the query parameter of a status callback's URL that
// names our message.
const SMSCallbackParam = sms.CallbackMessageParam

// VerifiedSMSWebhook reads a webhook request's form and checks its
// signature against the account's auth token and the public URL the
// provider was given: ErrBadSignature when it is missing or wrong, another
// error when the body is malformed.
func VerifiedSMSWebhook(r *http.Request, authToken, publicURL string) (url.Values, error) {
	return sms.VerifiedForm(r, authToken, publicURL)
}

// SMSAnswer is the webhook's answer that sends text back to the person
// (empty: no SMS).
func SMSAnswer(text string) (contentType string, body []byte) {
	return sms.TwiMLContentType, sms.TwiML(text)
}

// ReplyToSMS acts on a verified reply webhook: who sent what, then
// AnswerSMS. A form that is not a reply is Invalid.
func (s *Service) ReplyToSMS(ctx context.Context, form url.Values) (SMSReply, error) {
	in, err := sms.ParseInbound(form)
	if err != nil {
		return SMSReply{}, &Refusal{Kind: Invalid, UserError: models.Refuse("error.recruit.webhook", err.Error()), cause: err}
	}
	return s.AnswerSMS(ctx, in.From, in.Body)
}

// RecordSMSStatus records a delivery status the provider reports for a
// message we sent (ourID from the callback URL, SMSCallbackParam). A report
// about no message of ours is acknowledged and dropped. An opted-out number
// is mirrored, so no further SMS is tried.
func (s *Service) RecordSMSStatus(ctx context.Context, form url.Values, ourID string) error {
	cb, err := sms.ParseStatusCallback(form)
	if err != nil {
		return &Refusal{Kind: Invalid, UserError: models.Refuse("error.recruit.webhook", err.Error()), cause: err}
	}
	detail := ""
	if cb.ErrorCode != 0 {
		detail = fmt.Sprintf("twilio error %d", cb.ErrorCode)
	}
	// The callback URL names our message (sms.Client.Send; signed with the
	// rest): a report that overtakes the record of the send is kept.
	m, err := store.RecordProviderStatus(ctx, s.DB, cb.MessageSID, ourID, cb.Status, detail, s.now())
	switch {
	case errors.Is(err, models.ErrNotFound):
		return nil // not ours (or deleted with its person)
	case err != nil:
		return err
	}
	if cb.ErrorCode == sms.CodeOptedOut && m.ParticipantID != nil {
		// The number the SMS went to: the party's typed one or the person's.
		p, err := store.RecipientOf(ctx, s.DB, *m.ParticipantID, m.AssignmentID)
		if err != nil {
			return err
		}
		if p.MobileIndex != nil {
			return store.OptOutSMS(ctx, s.DB, *p.MobileIndex, s.now())
		}
	}
	return nil
}
