package ui

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// MitID through OpenID Connect (issue 19). A page that offers MitID
// starts a login with beginMitID from its POST handler, naming a purpose
// and what the purpose needs afterwards (the payload, sealed while the
// person is at the provider). The provider sends the person back to
// MitIDReturnPath; mitidReturn finishes the login (mitid.Finish: state,
// PKCE, ID token, nonce) and hands the result to the purpose's handler.
// When OIDC_ISSUER is unset (s.MitID is nil) the route answers 404 and no
// page offers MitID (s.MitID.Enabled()).
//
// GET /mitid/retur writes (the login is used up, and the purpose's handler
// may start a session): it is the redirect URI of the authorization code
// flow, which the provider reaches by GET. What it writes is tied to the
// single-use state of a login this browser started, so a replayed or
// forged address changes nothing.

// MitIDReturnPath is the redirect URI's path, as registered at the
// provider (BASE_URL + MitIDReturnPath).
const MitIDReturnPath = "/mitid/retur"

// The product's MitID purposes.
const (
	mitidMinSide = "minside"
	mitidSignup  = "signup"
)

// mitidPurpose is what a finished login of one purpose goes to.
type mitidPurpose struct {
	handle site.MitIDHandler
	// open purposes may be started by POST /mitid/log-ind with no payload
	// (a login button); the others only by their own page's handler,
	// which calls beginMitID with the payload they need.
	open bool
}

// mitidPurposes are the handlers of finished logins by purpose: the
// product's own, and Deps.MitIDPurposes (a test's, open).
//
// "minside" is open: a volunteer session on Min side for the person with
// the token's CPR number, matched through the blind index. "signup" is
// not: the sign-up page's POST starts it with the form's contact data as
// the payload, and it signs up with the token's CPR number.
func (s *server) mitidPurposes() map[string]mitidPurpose {
	m := map[string]mitidPurpose{
		mitidMinSide: {handle: s.minSideMitID, open: true},
		mitidSignup:  {handle: s.signupMitID},
	}
	for name, h := range s.MitIDPurposes {
		m[name] = mitidPurpose{handle: h, open: true}
	}
	return m
}

// mitidCookie binds a login to the browser that started it: it holds the
// login's state, and the redirect URI finishes only a login whose state
// the browser's cookie names. Without it, someone could start a login as
// themselves and have another person's browser finish it (login CSRF).
const mitidCookie = "valghalla_mitid"

// beginMitID sends the browser to the provider's login page for purpose,
// carrying payload; a refusal (MitID off, the provider unreachable) is the
// refusal page. Call it from a POST handler (CSRF checked).
func (s *server) beginMitID(c *gin.Context, purpose string, payload []byte) {
	if _, ok := s.mitid[purpose]; !ok {
		s.fail(c, errNoMitIDPurpose(purpose))
		return
	}
	to, err := s.MitID.Begin(c.Request.Context(), purpose, payload)
	if err != nil {
		s.mitidRefused(c, err)
		return
	}
	u, err := url.Parse(to)
	if err != nil || u.Query().Get("state") == "" {
		s.fail(c, fmt.Errorf("mitid: authorization URL without state"))
		return
	}
	s.cookies.Set(c, mitidCookie, u.Query().Get("state"), int(mitid.LoginValidity/time.Second))
	c.Redirect(http.StatusSeeOther, to)
}

// mitidStart is a login button: POST /mitid/log-ind with formaal, an open
// purpose.
func (s *server) mitidStart(c *gin.Context) {
	p, ok := s.mitid[c.PostForm("formaal")]
	if !s.MitID.Enabled() || !ok || !p.open {
		s.notFound(c)
		return
	}
	s.beginMitID(c, c.PostForm("formaal"), nil)
}

type errNoMitIDPurpose string

func (e errNoMitIDPurpose) Error() string { return "mitid: no handler for purpose " + string(e) }

// mitidReturn is the redirect URI: the provider sends the person back
// here with state and code (or an error).
func (s *server) mitidReturn(c *gin.Context) {
	if !s.MitID.Enabled() {
		s.notFound(c)
		return
	}
	state := c.Query("state")
	bound, _ := c.Cookie(mitidCookie)
	s.cookies.Clear(c, mitidCookie)
	if state == "" || subtle.ConstantTimeCompare([]byte(bound), []byte(state)) != 1 {
		s.mitidRefused(c, models.Refuse(mitid.KeyBrowser))
		return
	}
	res, err := s.MitID.Finish(c.Request.Context(), state, c.Query("code"))
	if err != nil {
		s.mitidRefused(c, err)
		return
	}
	p, ok := s.mitid[res.Purpose]
	if !ok {
		// A login started by a purpose this version does not know (a
		// rolling upgrade): refused, never guessed at.
		s.Log.ErrorContext(c.Request.Context(), "mitid: no handler for purpose", "purpose", res.Purpose)
		s.mitidRefused(c, models.Refuse(mitid.KeyPurpose))
		return
	}
	p.handle(c, res)
}

// mitidRefused is the refusal page (Det Fælles Designsystem, like the
// answer page): what went wrong in the citizen's words, and the
// secretariat's contact details. An error that is no refusal is a 500.
func (s *server) mitidRefused(c *gin.Context, err error) {
	ue, ok := models.AsUserError(err)
	if !ok {
		s.fail(c, err)
		return
	}
	status := http.StatusBadRequest
	switch ue.Key {
	case mitid.KeyProvider:
		status = http.StatusServiceUnavailable
	case mitid.KeyOff:
		status = http.StatusNotFound
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "mitid_refused.html", "mitid.refused.title", map[string]any{
		"Message": site.ErrText(c, err), "Self": "/", "Contact": s.secretariat(c)})
}
