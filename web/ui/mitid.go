package ui

import (
	"net/http"

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

// mitidPurposes are the handlers of finished logins by purpose: the
// product's own, and Deps.MitIDPurposes (a test's).
//
// The integrator registers here "minside" (a volunteer session on Min
// side for the person with this CPR number, matched through the blind
// index) and "signup" (a sign-up with the CPR number from the token and
// the contact data in the payload).
func (s *server) mitidPurposes() map[string]site.MitIDHandler {
	m := map[string]site.MitIDHandler{}
	for name, h := range s.MitIDPurposes {
		m[name] = h
	}
	return m
}

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
	c.Redirect(http.StatusSeeOther, to)
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
	res, err := s.MitID.Finish(c.Request.Context(), c.Query("state"), c.Query("code"))
	if err != nil {
		s.mitidRefused(c, err)
		return
	}
	h := s.mitid[res.Purpose]
	if h == nil {
		// A login started by a purpose this version does not know (a
		// rolling upgrade): refused, never guessed at.
		s.Log.ErrorContext(c.Request.Context(), "mitid: no handler for purpose", "purpose", res.Purpose)
		s.mitidRefused(c, models.Refuse(mitid.KeyPurpose))
		return
	}
	h(c, res)
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
