// Package web is the Gin web app: it mounts the pages (web/ui) and the
// JSON API (web/api), each with the table of its routes and who may use
// them, behind one chain of middleware — session or API token, access,
// CSRF, form text — and serves the health probes and the providers'
// webhooks itself.
package web

import (
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/web/api"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/web/ui"
)

type server struct {
	site.Deps
	pages   *ui.Pages
	api     *api.API
	cookies site.Cookies
	limits  rateLimits
}

// own is the routes the web app serves itself: probes and webhooks.
func (s *server) own() []site.Route {
	return []site.Route{
		site.Handle(http.MethodGet, "/healthz", site.Public, s.healthz),
		site.Handle(http.MethodGet, "/readyz", site.Public, s.readyz),
		site.Handle(http.MethodPost, smsReplyPath, site.ProviderSigned, s.smsReply),
		site.Handle(http.MethodPost, smsStatusPath, site.ProviderSigned, s.smsStatus),
	}
}

// Route describes a registered endpoint, for tests and documentation.
type Route struct{ Method, Path, Access string }

// Routes lists every endpoint with its access rule: the app's own, the
// pages' and the API's.
func Routes() []Route {
	var out []Route
	for _, r := range newServer(site.Deps{}).all() {
		out = append(out, Route{r.Method, r.Path, string(r.Access)})
	}
	return out
}

func (s *server) all() []site.Route {
	return slices.Concat(s.own(), s.pages.Routes, s.api.Routes)
}

func newServer(d site.Deps) *server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &server{Deps: d, pages: ui.New(d), api: api.New(d), cookies: site.Cookies{Secure: d.SecureCookies}, limits: newRateLimits(d.Now)}
}

// New returns the web app's handler.
func New(d site.Deps) http.Handler {
	s := newServer(d)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// The client address of a request is its peer's unless the peer is a
	// proxy of ours: gin would otherwise believe anyone's X-Forwarded-For,
	// and the rate limits would count what a client claims to be.
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		s.Log.Error("TRUSTED_PROXIES refused: no proxy is trusted", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.recoverer, s.logRequests, s.securityHeaders, site.Language, s.pages.LimitBody)

	static, _ := fs.Sub(ui.Static, "static")
	r.StaticFS("/static", http.FS(static))
	for _, rt := range s.all() {
		handlers := []gin.HandlerFunc{s.enrolment(rt), s.authorize(rt.Access), rt.Handler}
		switch {
		case strings.HasPrefix(rt.Path, site.APIPrefix+"/"):
			// Session or bearer token; the CSRF check after authorize, so
			// an anonymous call is told 401, not a missing token.
			handlers = []gin.HandlerFunc{s.apiAuth, s.enrolment(rt), s.authorize(rt.Access), s.apiCSRF, rt.Handler}
		case rt.Access == site.ProviderSigned:
			// Signed by the provider; no session, so no CSRF token.
		case rt.Path != "/healthz" && rt.Path != "/readyz":
			// Probes touch no session: they run every few seconds.
			handlers = append([]gin.HandlerFunc{s.loadSession, s.checkCSRF}, handlers...)
			if rt.Access != site.Public {
				// A logged-in user's form: its text checked once it is
				// authorised, before the handler.
				handlers = slices.Insert(handlers, len(handlers)-1, s.pages.CheckFormText)
			} else {
				// Anyone's door: counted per client address.
				handlers = slices.Insert(handlers, 1, s.limit)
			}
		}
		r.Handle(rt.Method, rt.Path, handlers...)
	}
	r.NoRoute(s.loadSession, s.pages.NotFound)
	return r
}

// logRequests logs and counts (metrics.HTTPRequest) each request: by the
// route pattern, never the path or query, which may carry an answer token.
func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.Metrics.HTTPRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	if route == "/healthz" || route == "/readyz" {
		level = slog.LevelDebug // probes every few seconds
	}
	s.Log.Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "route", route, "status", c.Writer.Status(), "elapsed", time.Since(start))
}

func (s *server) recoverer(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.ErrorContext(c.Request.Context(), "handler panicked", "route", c.FullPath(), "panic", p)
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	}()
	c.Next()
}

// securityHeaders sets the headers every answer carries. Served over https
// (SecureCookies: BASE_URL is https) it adds HSTS, so a browser that has
// been here once never again asks over plain http; dev, on http, does not.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	if s.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Answer links carry a token: it must not leak to another site.
	h.Set("Referrer-Policy", "no-referrer")
	// A form that starts a MitID login is answered with a redirect to the
	// provider, which form-action governs too.
	formAction := "'self'"
	if o := s.MitID.ProviderOrigin(); o != "" {
		formAction += " " + o
	}
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action "+formAction)
	c.Next()
}

// fail answers 500 for an error that is no refusal; its text is for the log.
func (s *server) fail(c *gin.Context, err error) {
	s.Log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	c.AbortWithStatus(http.StatusInternalServerError)
}
