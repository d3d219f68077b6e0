package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
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

// signedTwilioForm reads a webhook's form and checks its signature over the
// public URL of path: 403 (fail closed) when the signature is missing or
// wrong, or no auth token is configured; 400 when the body is malformed.
func (s *server) signedTwilioForm(c *gin.Context, path string) (url.Values, bool) {
	if s.SMSAuthToken == "" || s.PublicURL == "" {
		c.String(http.StatusForbidden, "SMS webhooks are not configured")
		return nil, false
	}
	form, err := recruit.VerifiedSMSWebhook(c.Request, s.SMSAuthToken, strings.TrimRight(s.PublicURL, "/")+path)
	switch {
	case errors.Is(err, recruit.ErrBadSignature):
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
// invitation, STOP / START, or help (recruit.ReplyToSMS). SMS replies are
// in Danish: the numbers are Danish.
func (s *server) smsReply(c *gin.Context) {
	form, ok := s.signedTwilioForm(c, smsReplyPath)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	r, err := s.Recruit.ReplyToSMS(ctx, form)
	text := ""
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusUnprocessableEntity {
		c.String(http.StatusBadRequest, site.ErrText(c, err))
		return
	} else if err != nil {
		s.Log.ErrorContext(ctx, "sms reply not handled", "error", err)
		text = locale.Text(locale.Danish, "recruit.sms.down")
	} else if r.Key != "" {
		text = locale.Text(locale.Danish, r.Key, r.Args...)
	}
	contentType, body := recruit.SMSAnswer(text)
	c.Data(http.StatusOK, contentType, body)
}

// smsStatus records a delivery status Twilio reports for a message we sent
// (recruit.RecordSMSStatus).
func (s *server) smsStatus(c *gin.Context) {
	form, ok := s.signedTwilioForm(c, smsStatusPath)
	if !ok {
		return
	}
	err := s.Recruit.RecordSMSStatus(c.Request.Context(), form, c.Query(recruit.SMSCallbackParam))
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusUnprocessableEntity {
		c.String(http.StatusBadRequest, site.ErrText(c, err))
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
