package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/valghalla/valghalla/web/site"
)

// Rate limits per client address on the doors anyone can knock on: the
// public pages and the login steps. They come on top of the per-account
// throttle of accounts (which stops guessing one account's password) and
// stop one address from trying many accounts, answer tokens or reset
// links. A municipality's staff often share one address behind a NAT, so
// the buckets are wide enough for a whole secretariat logging in on
// election morning; a logged-in user's requests are never limited here.
//
// The buckets live in the process: with several web replicas behind a
// load balancer each replica counts on its own, which multiplies the
// budget by the replicas and is still a limit.
var (
	// publicRate: an anonymous address reads and posts the public pages
	// (start page, answer links, account links) at up to 2 a second after
	// a burst of 120.
	publicRate = bucket{Every: 500 * time.Millisecond, Burst: 120}
	// signInRate: an anonymous address gives a password, a code or asks
	// for a reset link at up to 30 a minute after a burst of 30.
	signInRate = bucket{Every: 2 * time.Second, Burst: 30}
)

type bucket struct {
	Every time.Duration
	Burst int
}

// signInPath tells the routes that take a secret to check: each try costs
// a password hash or reveals whether a guess was right.
func signInPath(method, path string) bool {
	return method == http.MethodPost && (strings.HasPrefix(path, "/login") || strings.HasPrefix(path, "/konto/aktiver/") ||
		strings.HasPrefix(path, "/minside/log-ind"))
}

// limiter is one bucket per client address.
type limiter struct {
	bucket bucket
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

type client struct {
	tokens *rate.Limiter
	seen   time.Time
}

func newLimiter(b bucket, now func() time.Time) *limiter {
	return &limiter{bucket: b, now: now, clients: map[string]*client{}}
}

// allow takes one token of addr's bucket, or tells how long until one is
// there.
func (l *limiter) allow(addr string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	cl := l.clients[addr]
	if cl == nil {
		cl = &client{tokens: rate.NewLimiter(rate.Every(l.bucket.Every), l.bucket.Burst)}
		l.clients[addr] = cl
	}
	cl.seen = now
	r := cl.tokens.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets, every few minutes, the addresses whose bucket has filled
// up again: the map holds only the recently busy.
func (l *limiter) sweep(now time.Time) {
	full := l.bucket.Every * time.Duration(l.bucket.Burst)
	if now.Sub(l.swept) < full {
		return
	}
	l.swept = now
	for addr, cl := range l.clients {
		if now.Sub(cl.seen) > full {
			delete(l.clients, addr)
		}
	}
}

// rateLimits holds the buckets of one web app.
type rateLimits struct {
	public, signIn *limiter
}

func newRateLimits(now func() time.Time) rateLimits {
	return rateLimits{public: newLimiter(publicRate, now), signIn: newLimiter(signInRate, now)}
}

// limit is the middleware of a public route: it runs after the session
// is loaded, so that a logged-in user is let through, and answers 429
// with Retry-After when the client address has used its bucket.
func (s *server) limit(c *gin.Context) {
	if site.User(c) != nil {
		c.Next()
		return
	}
	l := s.limits.public
	if signInPath(c.Request.Method, c.FullPath()) {
		l = s.limits.signIn
	}
	ok, wait := l.allow(c.ClientIP())
	if ok {
		c.Next()
		return
	}
	s.Log.WarnContext(c.Request.Context(), "rate limited", "route", c.FullPath())
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.pages.Refuse(c, http.StatusTooManyRequests, "ratelimit.title", "ratelimit.body")
	c.Abort()
}
