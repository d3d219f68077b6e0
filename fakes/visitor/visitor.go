// Package visitor plays the people who open the web app's public pages: a
// browser each, with its own cookies, at an address of its own. Tests and
// benchmarks that send hundreds of people to one local web app reach it
// through loopback, as through a reverse proxy; the app is told to trust
// that proxy (Proxy), and each visitor names its own address in
// X-Forwarded-For, so the app's per-address rate limits count people, not
// the test.
package visitor

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"sync/atomic"
)

// Proxy is what the web app under test puts in site.Deps.TrustedProxies.
var Proxy = []string{"127.0.0.1", "::1"}

var visitors atomic.Uint32

// New returns the browser of a new visitor: cookies kept, redirects not
// followed (the caller checks them), and an address no other visitor of
// this process has (in 100.64.0.0/10, shared address space).
func New() *http.Client {
	n := visitors.Add(1)
	addr := fmt.Sprintf("100.%d.%d.%d", 64+(n>>16)&0x3f, (n>>8)&0xff, n&0xff)
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		Transport:     forwardedFor{addr: addr, next: http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// forwardedFor sends each request as the proxy does: with the client's
// address in X-Forwarded-For.
type forwardedFor struct {
	addr string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(r)
}
