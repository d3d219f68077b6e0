package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
)

const (
	sessionCookie = "valghalla_session"
	csrfCookie    = "valghalla_csrf" // double-submit token before login
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"

	// maxPasswordBytes bounds a password: login refuses a longer one, so
	// activation must too.
	maxPasswordBytes = 1024
)

// access says who may use a route; every route declares one.
type access string

const (
	public    access = "public"     // anyone, logged in or not
	anyUser   access = "any user"   // every role, party secretaries included
	staffOnly access = "staff"      // administrators, staff and read-only; never party secretaries
	adminOnly access = "admin only" // administrators
	// registrar: may register people: staff, and party secretaries for their own party.
	registrar access = "registrar"
	// staffWrite: administrators and staff; not read-only, not party secretaries.
	staffWrite access = "staff write"
	// secretaryOnly: party secretaries.
	secretaryOnly access = "party secretary"
	// providerSigned: a provider's webhook; no user, no session. The
	// handler admits only a request signed with the provider's secret, so
	// every user, and anyone without the signature, is refused (403).
	providerSigned access = "provider signed"
)

func (a access) allows(u *models.User) bool {
	switch a {
	case public, providerSigned:
		return true
	case anyUser:
		return u != nil
	case staffOnly:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff || u.Role == models.RoleReadOnly)
	case adminOnly:
		return u != nil && u.Role == models.RoleAdmin
	case registrar:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff || u.Role == models.RolePartySecretary)
	case staffWrite:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff)
	case secretaryOnly:
		return u != nil && u.Role == models.RolePartySecretary
	}
	return false
}

// loadSession puts the logged-in user, if any, into the request context.
func (s *server) loadSession(c *gin.Context) {
	token, err := c.Cookie(sessionCookie)
	if err == nil && token != "" {
		sess, u, err := s.Accounts.Session(c.Request.Context(), token)
		switch {
		case err == nil && sess.SecondFactorDue:
			// Password right, code not yet given: only the code page.
			c.Set("pending_user", &u)
			c.Set("session", &sess)
		case err == nil:
			c.Set("user", &u)
			c.Set("session", &sess)
		case errors.Is(err, accounts.ErrNoSession):
			s.clearCookie(c, sessionCookie)
		default:
			s.Log.ErrorContext(c.Request.Context(), "session lookup failed", "error", err)
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
	}
	c.Next()
}

func currentUser(c *gin.Context) *models.User {
	if u, ok := c.Get("user"); ok {
		return u.(*models.User)
	}
	return nil
}

func currentSession(c *gin.Context) *models.Session {
	if s, ok := c.Get("session"); ok {
		return s.(*models.Session)
	}
	return nil
}

// authorize enforces a route's access on the server, for every request.
func (s *server) authorize(a access) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		if a.allows(u) {
			c.Next()
			return
		}
		if isAPI(c) {
			if u == nil {
				apiError(c, http.StatusUnauthorized, translator(c)("api.unauthenticated"))
				return
			}
			s.Log.WarnContext(c.Request.Context(), "access refused", "user_id", u.ID, "role", u.Role, "route", c.FullPath())
			apiError(c, http.StatusForbidden, translator(c)("api.forbidden"))
			return
		}
		if u == nil {
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			} else {
				s.render(c, http.StatusUnauthorized, "error.html", "auth.required", map[string]any{"Message": "auth.required"})
			}
			c.Abort()
			return
		}
		s.Log.WarnContext(c.Request.Context(), "access refused", "user_id", u.ID, "role", u.Role, "route", c.FullPath())
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
		c.Abort()
	}
}

// csrfToken is the token forms on this request must carry: the session's,
// or before login the double-submit cookie's (set here when missing).
func (s *server) csrfToken(c *gin.Context) string {
	if sess := currentSession(c); sess != nil {
		return sess.CSRFToken
	}
	if v, ok := c.Get(csrfCookie); ok {
		return v.(string)
	}
	token, err := c.Cookie(csrfCookie)
	if err != nil || len(token) < 32 {
		token = accounts.NewToken()
		s.setCookie(c, csrfCookie, token, 0)
	}
	c.Set(csrfCookie, token)
	return token
}

// checkCSRF refuses a state-changing request without the right token. The
// SameSite cookies already stop most cross-site posts; this stops the rest.
func (s *server) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	var want string
	if sess := currentSession(c); sess != nil {
		want = sess.CSRFToken
	} else {
		want, _ = c.Cookie(csrfCookie)
	}
	got := c.GetHeader(csrfHeader)
	if got == "" {
		got = c.PostForm(csrfField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.render(c, http.StatusForbidden, "error.html", "csrf.title", map[string]any{"Message": "csrf.body"})
		c.Abort()
		return
	}
	c.Next()
}

func (s *server) loginForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/konto")
		return
	}
	s.render(c, http.StatusOK, "login.html", "login.title", map[string]any{"Next": localPath(c.Query("next"))})
}

func (s *server) login(c *gin.Context) {
	email := accounts.NormalizeEmail(c.PostForm("email"))
	password := c.PostForm("password")
	next := localPath(c.PostForm("next"))
	again := func(status int, msg string) {
		s.render(c, status, "login.html", "login.title", map[string]any{"Error": msg, "Email": email, "Next": next})
	}
	// Malformed input is refused before the attempt is recorded.
	if email == "" || password == "" || len(email) > 254 || len(password) > maxPasswordBytes || !models.CleanText(c.PostForm("email")) || !models.CleanText(password) {
		again(http.StatusBadRequest, "login.missing")
		return
	}
	old, _ := c.Cookie(sessionCookie)
	login, err := s.Accounts.SignIn(c.Request.Context(), email, password, old)
	switch {
	case errors.Is(err, accounts.ErrThrottled):
		again(http.StatusTooManyRequests, "login.throttled")
		return
	case errors.Is(err, accounts.ErrWrongPassword):
		again(http.StatusUnauthorized, "login.wrong")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.setCookie(c, sessionCookie, login.Token, int(accounts.SessionMax.Seconds()))
	s.clearCookie(c, csrfCookie)
	if login.CodeDue {
		c.Redirect(http.StatusSeeOther, "/login/kode?next="+url.QueryEscape(next))
		return
	}
	if next == "" {
		next = "/konto"
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (s *server) logout(c *gin.Context) {
	if token, err := c.Cookie(sessionCookie); err == nil {
		s.Accounts.SignOut(c.Request.Context(), token)
	}
	s.clearCookie(c, sessionCookie)
	c.Redirect(http.StatusSeeOther, "/")
}

func (s *server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *server) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// localPath keeps a redirect target on this site: "/konto" yes,
// "//evil.example" and "https://evil.example" no.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}
