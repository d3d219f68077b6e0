package mitid_test

import (
	"context"
	"crypto/tls"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/fakes/oidcfake"
	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/store/storetest"
)

const (
	clientID    = "valghalla-test"
	secret      = "hemmelig-klientnoegle"
	redirectURL = "http://127.0.0.1:9/mitid/retur" // never reached: the browser stops there
)

var people = []oidcfake.Person{
	{CPR: "0101704001", Name: "Anders Andersen"},
	{CPR: "0101704002", Name: "Bente Bentsen"},
}

// world is two fake providers (A, the one the app is configured for, and
// B, another one) under one local CA, and a clock.
type world struct {
	A, B  *oidcfake.Provider
	pool  *http.Client // trusts the CA: the app's client to the provider
	ca    *localpki.CA
	mu    sync.Mutex
	clock time.Time
}

func (w *world) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.clock }
func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.clock = w.clock.Add(d)
	w.mu.Unlock()
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ca, err := localpki.NewCA("test MitID CA")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ca: ca, clock: time.Now()}
	for _, p := range []**oidcfake.Provider{&w.A, &w.B} {
		*p, err = oidcfake.Start(oidcfake.Options{ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURL,
			People: people, CA: ca})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup((*p).Close)
	}
	w.pool = w.A.HTTPClient() // one CA: trusts B as well
	return w
}

func (w *world) service(t *testing.T, db *gorm.DB, issuer string) *mitid.Service {
	t.Helper()
	c, err := oidc.New(oidc.Config{Issuer: issuer, ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURL,
		HTTPClient: w.pool, Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	return &mitid.Service{DB: db, Keys: storetest.WithKeys(t, db), Client: c, Now: w.now}
}

// browser is a person's browser: it follows the provider's redirects,
// keeps cookies, and stops at the app's redirect URI.
func (w *world) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 15 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: w.A.RootCAs}},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirectURL) {
				return http.ErrUseLastResponse
			}
			return nil
		}}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// logIn opens authURL, picks cpr on the provider's login page (or
// cancels), and returns the state and code the provider sends back.
func (w *world) logIn(t *testing.T, authURL, cpr string) (state, code string) {
	t.Helper()
	b := w.browser()
	resp, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d %s", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if cpr == "" {
		form.Set("action", "cancel")
	} else {
		form.Set("action", "login")
		form.Set("cpr", cpr)
	}
	u, _ := url.Parse(authURL)
	resp, err = b.PostForm(u.Scheme+"://"+u.Host+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(back.String(), redirectURL) {
		t.Fatalf("provider answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("state"), back.Query().Get("code")
}

// refused checks that err is the keyed refusal key (and wraps cause, if
// one is given).
func refused(t *testing.T, err error, key string, cause error) {
	t.Helper()
	ue, ok := models.AsUserError(err)
	if !ok || ue.Key != key {
		t.Fatalf("got %v, want refusal %s", err, key)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Fatalf("got %v, want it to wrap %v", err, cause)
	}
}

func TestMitIDLogin(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		svc := w.service(t, db, w.A.Issuer)

		t.Run("a good login gives the person's CPR number, the purpose and payload", func(t *testing.T) {
			to, err := svc.Begin(ctx, "test", []byte(`{"email":"bente@example.dk"}`))
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := url.Parse(to); !strings.HasPrefix(to, w.A.Issuer+"/authorize?") || u.Query().Get("code_challenge_method") != "S256" ||
				u.Query().Get("nonce") == "" || u.Query().Get("state") == "" {
				t.Fatalf("authorization URL %s", to)
			}
			state, code := w.logIn(t, to, people[1].CPR)
			res, err := svc.Finish(ctx, state, code)
			if err != nil {
				t.Fatal(err)
			}
			if res.CPR.Digits() != people[1].CPR || res.Purpose != "test" || string(res.Payload) != `{"email":"bente@example.dk"}` {
				t.Fatalf("result %+v", res)
			}
			// The database never held the CPR number, the state or the
			// payload in clear, and holds no secrets of a used login.
			var rows []map[string]any
			if err := db.Raw("SELECT * FROM mitid_logins").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				for col, v := range r {
					s, _ := v.(string)
					if b, ok := v.([]byte); ok {
						s = string(b)
					}
					if strings.Contains(s, people[1].CPR) || strings.Contains(s, state) || strings.Contains(s, "bente@") {
						t.Errorf("mitid_logins.%s holds a secret in clear", col)
					}
				}
				if r["secrets"] != "" && r["secrets"] != nil {
					if b, ok := r["secrets"].([]byte); !ok || len(b) > 0 {
						t.Errorf("a used login keeps its secrets: %v", r["secrets"])
					}
				}
			}

			t.Run("and a replay of its state is refused", func(t *testing.T) {
				_, err := svc.Finish(ctx, state, code)
				refused(t, err, mitid.KeyUsed, nil)
			})
		})

		t.Run("a wrong state is refused and leaves the real login usable", func(t *testing.T) {
			to, err := svc.Begin(ctx, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			state, code := w.logIn(t, to, people[0].CPR)
			_, err = svc.Finish(ctx, oidc.Random(), code)
			refused(t, err, mitid.KeyUnknown, nil)
			_, err = svc.Finish(ctx, "", code)
			refused(t, err, mitid.KeyUnknown, nil)
			res, err := svc.Finish(ctx, state, code)
			if err != nil || res.CPR.Digits() != people[0].CPR {
				t.Fatalf("the real login after a wrong state: %+v, %v", res, err)
			}
		})

		t.Run("a wrong nonce is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, people[0].CPR)
			w.A.WrongNonceNext()
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyNonce, oidc.ErrNonce)
		})

		t.Run("an expired ID token is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, people[0].CPR)
			w.A.ExpireNext()
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyToken, oidc.ErrExpired)
		})

		t.Run("a code from another provider is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			// The browser is sent to provider B with the same request.
			state, code := w.logIn(t, strings.Replace(to, w.A.Issuer, w.B.Issuer, 1), people[0].CPR)
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyRefused, oidc.ErrExchange)
		})

		t.Run("an ID token naming another issuer is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, people[0].CPR)
			w.A.IssueAsNext(w.B.Issuer)
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyToken, oidc.ErrIssuer)
		})

		t.Run("an ID token in the issuer's name signed by another provider's key is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, people[0].CPR)
			w.A.SignNextWith(w.B)
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyToken, oidc.ErrToken)
		})

		t.Run("a client configured for B refuses A's tokens", func(t *testing.T) {
			svcB := w.service(t, db, w.B.Issuer)
			to, _ := svcB.Begin(ctx, "test", nil)
			// B issues a token in A's name, signed with B's key: the
			// client trusts only B's issuer.
			state, code := w.logIn(t, to, people[0].CPR)
			w.B.IssueAsNext(w.A.Issuer)
			_, err := svcB.Finish(ctx, state, code)
			refused(t, err, mitid.KeyToken, oidc.ErrIssuer)
		})

		t.Run("a login past its expiry is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, people[0].CPR)
			w.advance(mitid.LoginValidity)
			defer w.advance(-mitid.LoginValidity)
			given := w.A.TokensIssued()
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyExpired, nil)
			if w.A.TokensIssued() != given {
				t.Fatal("an expired login still exchanged its code")
			}
			// And it is used up.
			_, err = svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyUsed, nil)
		})

		t.Run("a login cancelled at the provider is refused", func(t *testing.T) {
			to, _ := svc.Begin(ctx, "test", nil)
			state, code := w.logIn(t, to, "")
			if code != "" {
				t.Fatal("a cancelled login got a code")
			}
			_, err := svc.Finish(ctx, state, code)
			refused(t, err, mitid.KeyCancelled, mitid.ErrCancelled)
		})

		t.Run("a wrong PKCE verifier is refused by the provider", func(t *testing.T) {
			c, _ := oidc.New(oidc.Config{Issuer: w.A.Issuer, ClientID: clientID, ClientSecret: secret,
				RedirectURL: redirectURL, HTTPClient: w.pool})
			l, err := c.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, code := w.logIn(t, l.URL, people[0].CPR)
			_, err = c.Finish(ctx, code, l.Nonce, oidc.Random())
			if !errors.Is(err, oidc.ErrExchange) {
				t.Fatalf("got %v, want ErrExchange", err)
			}
		})

		t.Run("Begin refuses a missing purpose and a payload too large", func(t *testing.T) {
			_, err := svc.Begin(ctx, "", nil)
			refused(t, err, mitid.KeyPurpose, nil)
			_, err = svc.Begin(ctx, "test", make([]byte, mitid.MaxPayload+1))
			refused(t, err, mitid.KeyPurpose, nil)
		})
	})

	t.Run("switched off, Begin and Finish refuse", func(t *testing.T) {
		var off *mitid.Service
		if off.Enabled() {
			t.Fatal("a nil service is enabled")
		}
		_, err := off.Begin(ctx, "test", nil)
		refused(t, err, mitid.KeyOff, nil)
		_, err = off.Finish(ctx, "x", "y")
		refused(t, err, mitid.KeyOff, nil)
	})
}
