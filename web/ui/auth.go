package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

const (
	// maxPasswordBytes bounds a password: login refuses a longer one, so
	// activation must too.
	maxPasswordBytes = 1024
)

// csrfToken is the token forms on this request must carry: the session's,
// or before login the double-submit cookie's (set here when missing).
func (s *server) csrfToken(c *gin.Context) string {
	if sess := site.Session(c); sess != nil {
		return sess.CSRFToken
	}
	if v, ok := c.Get(site.CSRFCookie); ok {
		return v.(string)
	}
	token, err := c.Cookie(site.CSRFCookie)
	if err != nil || len(token) < 32 {
		token = accounts.NewToken()
		s.cookies.Set(c, site.CSRFCookie, token, 0)
	}
	c.Set(site.CSRFCookie, token)
	return token
}

func (s *server) loginForm(c *gin.Context) {
	if site.User(c) != nil {
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
	old, _ := c.Cookie(site.SessionCookie)
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
	s.cookies.Set(c, site.SessionCookie, login.Token, int(accounts.SessionMax.Seconds()))
	s.cookies.Clear(c, site.CSRFCookie)
	if login.CodeDue {
		c.Redirect(http.StatusSeeOther, "/login/kode?next="+url.QueryEscape(next))
		return
	}
	if login.EnrolmentDue {
		// Staff without TOTP set it up before anything else.
		c.Redirect(http.StatusSeeOther, "/konto/totp")
		return
	}
	if next == "" {
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (s *server) logout(c *gin.Context) {
	if token, err := c.Cookie(site.SessionCookie); err == nil {
		s.Accounts.SignOut(c.Request.Context(), token)
	}
	s.cookies.Clear(c, site.SessionCookie)
	c.Redirect(http.StatusSeeOther, "/")
}

// localPath keeps a redirect target on this site: a path that starts with
// one slash, with no backslash (some browsers read it as a slash: "/\evil")
// and no byte a browser drops or reads as a break (below 0x20, 0x7f: "/\t/evil"
// becomes "//evil"). "/konto" yes; "//evil.example", "https://evil.example"
// and those no: "".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return ""
		}
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}
