package cpr_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

var (
	electionDay = models.Date{Year: 2025, Month: time.November, Day: 18}
	born1970    = models.Date{Year: 1970, Month: time.January, Day: 1}
)

const home = "0607" // Fredericia

// cprRun finds anything that looks like a CPR number.
var cprRun = regexp.MustCompile(`[0-9]{6}[- ]?[0-9]{4}`)

func startFake(t *testing.T, people ...cpr.Person) *cprfake.Server {
	t.Helper()
	srv, err := cprfake.Start(people...)
	if err != nil {
		t.Fatalf("cprfake.Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient makes a real cpr.Client for the fake, with fast retries.
func newClient(t *testing.T, srv *cprfake.Server, logger *slog.Logger, change ...func(*cpr.ClientConfig)) *cpr.Client {
	t.Helper()
	cfg := srv.ClientConfig()
	cfg.Timeout = 10 * time.Second
	cfg.RetryMax = 3
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 5 * time.Millisecond
	cfg.Logger = logger
	for _, f := range change {
		f(&cfg)
	}
	c, err := cpr.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *lockedBuffer) {
	buf := &lockedBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// assertNoCPR fails when s holds a CPR-like number or any of the people's
// numbers.
func assertNoCPR(t *testing.T, what, s string, people ...cpr.Person) {
	t.Helper()
	if m := cprRun.FindString(s); m != "" {
		t.Errorf("%s contains a CPR-like number %q: %s", what, m, s)
	}
	for _, p := range people {
		if d := p.CPR.Digits(); d != "" && strings.Contains(s, d) {
			t.Errorf("%s contains a CPR number", what)
		}
	}
}

// assertLogClean checks a whole log: JSON lines, one "cpr lookup" record per
// lookup with an outcome, no CPR number, no name.
func assertLogClean(t *testing.T, log string, people ...cpr.Person) (outcomes []string) {
	t.Helper()
	assertNoCPR(t, "log", log, people...)
	for _, p := range people {
		for _, name := range []string{p.GivenName, p.Surname} {
			if name != "" && strings.Contains(log, name) {
				t.Errorf("log contains the name %q", name)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		if rec["msg"] != "cpr lookup" {
			t.Errorf("unexpected log record %v", rec["msg"])
			continue
		}
		o, _ := rec["outcome"].(string)
		if o == "" {
			t.Errorf("log record without outcome")
		}
		if _, ok := rec["duration_ms"]; !ok {
			t.Errorf("log record without duration")
		}
		outcomes = append(outcomes, o)
	}
	return outcomes
}

func byName(t *testing.T, people []cpr.Person, name string) cpr.Person {
	t.Helper()
	for _, p := range people {
		if p.GivenName+" "+p.Surname == name {
			return p
		}
	}
	t.Fatalf("no fixture person %q", name)
	return cpr.Person{}
}

func TestFixturePeopleRoundTripOverMutualTLS(t *testing.T) {
	for _, code := range []string{home, "101", "0461"} {
		t.Run(code, func(t *testing.T) {
			people := cprfake.FixturePeople(code, electionDay)
			seen := map[string]bool{}
			statuses := map[string]bool{}
			for _, p := range people {
				if p.CPR.IsZero() || seen[p.CPR.Digits()] {
					t.Fatalf("fixture %s %s: missing or duplicate CPR number", p.GivenName, p.Surname)
				}
				seen[p.CPR.Digits()] = true
				statuses[p.Status] = true
				if !strings.HasPrefix(p.CPR.Digits()[6:], "4") {
					t.Errorf("fixture %s: serial %s is not in the fictitious 4xxx series", p.GivenName, p.CPR.Digits()[6:])
				}
			}
			for _, s := range []string{"01", "70", "80", "90"} {
				if !statuses[s] {
					t.Errorf("no fixture person with status %s", s)
				}
			}

			srv := startFake(t, people...)
			logger, logs := newLogger()
			c := newClient(t, srv, logger)
			for _, want := range people {
				got, err := c.Lookup(context.Background(), want.CPR)
				if err != nil {
					t.Fatalf("%s %s: %v", want.GivenName, want.Surname, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("round trip changed the person:\n got %+v\nwant %+v", got, want)
				}
			}
			if n := len(srv.Register.Requests()); n != len(people) {
				t.Errorf("fake got %d requests, want %d (no retries)", n, len(people))
			}
			outcomes := assertLogClean(t, logs.String(), people...)
			if len(outcomes) != len(people) {
				t.Errorf("%d log records, want %d", len(outcomes), len(people))
			}
		})
	}
}

func TestEligibilityOverLookedUpFacts(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	c := newClient(t, srv, nil)

	cases := []struct {
		name string
		kind models.ElectionKind
		want string // codes joined by ","
	}{
		{"Søren Ærø", models.Folketingsvalg, ""},
		{"Søren Ærø", models.Kommunalvalg, ""},
		{"Lena Fischer", models.Folketingsvalg, models.IneligibleCitizenship},
		{"Lena Fischer", models.Kommunalvalg, ""},
		{"Lena Fischer", models.EuropaParlamentsvalg, ""},
		{"Ingrid Haugen", models.Kommunalvalg, ""},
		{"Ingrid Haugen", models.EuropaParlamentsvalg, models.IneligibleCitizenship},
		{"James Whitfield", models.Kommunalvalg, ""},
		{"James Whitfield", models.EuropaParlamentsvalg, models.IneligibleCitizenship},
		{"Olivia Bennett", models.Kommunalvalg, models.IneligibleCitizenship},
		{"Åse Østergaard", models.Folketingsvalg, models.IneligibleGuardianship},
		{"Åse Østergaard", models.Kommunalvalg, ""},
		{"Åse Østergaard", models.Folkeafstemning, models.IneligibleGuardianship},
		{"Åse Østergaard", models.EuropaParlamentsvalg, ""},
		{"Bjørn Løvgren", models.Folketingsvalg, ""}, // VærgemålType DELVIS
		{"Bjørn Løvgren", models.Folkeafstemning, ""},
		{"Bjørn Løvgren", models.Kommunalvalg, ""},
		{"Bjørn Løvgren", models.EuropaParlamentsvalg, ""},
		{"Gudrun Kjær", models.Folketingsvalg, models.IneligibleDead},
		{"Mads Dræby", models.Folketingsvalg, models.IneligibleNotResident},
		{"Kirsten Vestergård", models.Kommunalvalg, models.IneligibleNotResident},
		{"Niels Højgaard", models.Kommunalvalg, models.IneligibleNotResident},
		{"Henrik Bæk", models.Folketingsvalg, ""},
		{"Else Frølund", models.Folketingsvalg, ""},
		{"Freja Dahl", models.Folketingsvalg, ""},
		{"Emil Sørensen", models.Folketingsvalg, models.IneligibleUnderage},
	}
	for _, tc := range cases {
		p := byName(t, people, tc.name)
		got, err := c.Lookup(context.Background(), p.CPR)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var codes []string
		for _, r := range models.CheckEligibility(tc.kind, electionDay, home, got.PersonFacts, true) {
			codes = append(codes, r.Code)
		}
		if g := strings.Join(codes, ","); g != tc.want {
			t.Errorf("%s at %s: CheckEligibility = %q, want %q", tc.name, tc.kind, g, tc.want)
		}
	}
}

func TestMutualTLSIsRequired(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	someone := people[0]

	other, err := localpki.NewCA("Some other CA")
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := other.Issue("Impostor system certificate", true)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, want string // want: the TLS failure, as crypto/tls words it
		client     func(t *testing.T) *cpr.Client
	}{
		{"no client certificate", "remote error: tls: handshake failure", func(t *testing.T) *cpr.Client {
			c := newClient(t, srv, nil)
			cpr.WithoutClientCertificate(c) // cpr.NewClient refuses to make one like this
			return c
		}},
		{"client certificate from another CA", "remote error: tls: unknown certificate authority", func(t *testing.T) *cpr.Client {
			return newClient(t, srv, nil, func(cfg *cpr.ClientConfig) { cfg.Certificate = impostor })
		}},
		{"server not trusted", "certificate signed by unknown authority", func(t *testing.T) *cpr.Client {
			return newClient(t, srv, nil, func(cfg *cpr.ClientConfig) { cfg.RootCAs = x509.NewCertPool() })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.Register.Reset()
			_, err := tc.client(t).Lookup(context.Background(), someone.CPR)
			if err == nil {
				t.Fatal("lookup succeeded")
			}
			var te *cpr.TransportError
			if !errors.As(err, &te) {
				t.Fatalf("error is %T, want *TransportError: %v", err, err)
			}
			if !cpr.IsTLSError(err) {
				t.Errorf("not recognised as a TLS error: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if te.Attempts != 1 {
				t.Errorf("a TLS refusal was tried %d times, want 1", te.Attempts)
			}
			if n := len(srv.Register.Requests()); n != 0 {
				t.Errorf("the fake handled %d requests", n)
			}
			assertNoCPR(t, "error", err.Error(), people...)
		})
	}
	t.Run("server not trusted is a certificate verification error", func(t *testing.T) {
		c := newClient(t, srv, nil, func(cfg *cpr.ClientConfig) { cfg.RootCAs = x509.NewCertPool() })
		_, err := c.Lookup(context.Background(), someone.CPR)
		var verr *tls.CertificateVerificationError
		if !errors.As(err, &verr) {
			t.Errorf("error %v does not wrap *tls.CertificateVerificationError", err)
		}
	})
}

func TestUnknownCPRIsErrNotFound(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	logger, logs := newLogger()
	c := newClient(t, srv, logger)
	unknown := cprfake.FixtureCPR(born1970, 4999)

	_, err := c.Lookup(context.Background(), unknown)
	if !errors.Is(err, cpr.ErrNotFound) {
		t.Fatalf("err = %v, want cpr.ErrNotFound", err)
	}
	var fe *cpr.FaultError
	if !errors.As(err, &fe) || !fe.NotFound() {
		t.Fatalf("err = %#v, want a not-found *cpr.FaultError", err)
	}
	msg := err.Error()
	assertNoCPR(t, "error", msg, cpr.Person{PersonFacts: models.PersonFacts{CPR: unknown}})
	if !strings.Contains(msg, "PNR not found: [CPR]") {
		t.Errorf("the fault text (which echoes the number) should survive scrubbed: %s", msg)
	}
	if n := len(srv.Register.Requests()); n != 1 {
		t.Errorf("a not-found fault was retried: %d requests", n)
	}
	if o := assertLogClean(t, logs.String(), cpr.Person{PersonFacts: models.PersonFacts{CPR: unknown}}); len(o) != 1 || o[0] != "not_found" {
		t.Errorf("outcomes %v, want [not_found]", o)
	}
}

func TestRetries(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	someone := people[0]
	srv := startFake(t, people...)
	logger, logs := newLogger()
	c := newClient(t, srv, logger)
	ctx := context.Background()

	t.Run("503 twice then an answer", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.FailNext(2, http.StatusServiceUnavailable, "Midlertidigt utilgængelig")
		got, err := c.Lookup(ctx, someone.CPR)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, someone) {
			t.Errorf("got %+v", got)
		}
		if n := len(srv.Register.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})

	t.Run("503 always: give up after RetryMax with the fault text", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.FailAlways(http.StatusServiceUnavailable, "CPR-servicen svarer ikke for PNR "+someone.CPR.Digits())
		_, err := c.Lookup(ctx, someone.CPR)
		var fe *cpr.FaultError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want *cpr.FaultError", err)
		}
		if errors.Is(err, cpr.ErrNotFound) {
			t.Error("an outage is not cpr.ErrNotFound")
		}
		if fe.HTTPStatus != 503 || fe.Attempts != 4 {
			t.Errorf("status %d after %d attempts, want 503 after 4", fe.HTTPStatus, fe.Attempts)
		}
		if n := len(srv.Register.Requests()); n != 4 {
			t.Errorf("%d requests, want 1 + RetryMax = 4", n)
		}
		msg := err.Error()
		if !strings.Contains(msg, "CPR-servicen svarer ikke for PNR [CPR]") || !strings.Contains(msg, "after 4 attempts") {
			t.Errorf("error lost the fault text or the attempt count: %s", msg)
		}
		assertNoCPR(t, "error", msg, people...)
	})

	t.Run("502 error page always: cpr.HTTPError with the body", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.RespondNext(10, http.StatusBadGateway, []byte("<html><body>Bad Gateway (upstream CPR 010170-4001)</body></html>"))
		_, err := c.Lookup(ctx, someone.CPR)
		var he *cpr.HTTPError
		if !errors.As(err, &he) {
			t.Fatalf("err = %v, want *cpr.HTTPError", err)
		}
		if he.StatusCode != 502 || he.Attempts != 4 || !strings.Contains(he.Body, "Bad Gateway") {
			t.Errorf("got %+v", he)
		}
		assertNoCPR(t, "error", err.Error(), people...)
	})

	t.Run("a 500 fault is an answer, not retried", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.FailNext(1, http.StatusInternalServerError, "Intern fejl i CPR")
		_, err := c.Lookup(ctx, someone.CPR)
		var fe *cpr.FaultError
		if !errors.As(err, &fe) || fe.Attempts != 1 {
			t.Fatalf("err = %v, want a *cpr.FaultError after 1 attempt", err)
		}
		if n := len(srv.Register.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	t.Run("a 500 without a fault is retried", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.RespondNext(1, http.StatusInternalServerError, []byte("oops"))
		if _, err := c.Lookup(ctx, someone.CPR); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Register.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})

	t.Run("RetryMax negative: one attempt", func(t *testing.T) {
		srv.Register.Reset()
		srv.Register.FailAlways(http.StatusServiceUnavailable, "nede")
		once := newClient(t, srv, logger, func(cfg *cpr.ClientConfig) { cfg.RetryMax = -1 })
		if _, err := once.Lookup(ctx, someone.CPR); err == nil {
			t.Fatal("no error")
		}
		if n := len(srv.Register.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	assertLogClean(t, logs.String(), people...)
}

func TestMalformedResponses(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	someone := people[0]
	srv := startFake(t, people...)
	c := newClient(t, srv, nil)

	good, err := cprfake.ResponseBody(someone)
	if err != nil {
		t.Fatal(err)
	}
	full, err := cprfake.ResponseBody(people[5]) // Åse Østergaard: VærgemålType FULD
	if err != nil || !bytes.Contains(full, []byte(">FULD<")) {
		t.Fatalf("%v\n%s", err, full)
	}
	other, err := cprfake.ResponseBody(people[1])
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("the good response has no %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}

	cases := []struct {
		name, body, want string
	}{
		{"not XML", "Service Unavailable", "not a SOAP 1.1 envelope"},
		{"HTML page", "<html><body>Vedligeholdelse</body></html>", "not a SOAP 1.1 envelope"},
		{"empty", "", "empty"},
		{"SOAP 1.2 envelope", string(bytes.ReplaceAll(good, []byte(cpr.NSSOAP), []byte("http://www.w3.org/2003/05/soap-envelope"))), "not a SOAP 1.1 envelope"},
		{"a version 4 answer", string(bytes.ReplaceAll(good, []byte(cpr.NSService), []byte(strings.Replace(cpr.NSService, "/5/", "/4/", 1)))), "no PersonLookupResponse"},
		{"VærgemålType neither FULD nor DELVIS", string(bytes.Replace(bytes.Replace(full, []byte(">FULD<"), []byte(">PARTIAL<"), 1),
			[]byte(people[5].CPR.Digits()), []byte(someone.CPR.Digits()), 1)), "VærgemålType"},
		{"truncated", string(good[:len(good)/2]), "XML syntax error"},
		{"truncated at the end", string(good[:len(good)-3]), "XML syntax error"},
		{"empty body element", `<Envelope xmlns="` + cpr.NSSOAP + `"><Body/></Envelope>`, "no PersonLookupResponse"},
		{"no persondata", `<Envelope xmlns="` + cpr.NSSOAP + `"><Body><PersonLookupResponse xmlns="` + cpr.NSService + `"/></Body></Envelope>`, "no persondata"},
		{"status not a number", string(replace("<status>1</status>", "<status>aktiv</status>")), "status"},
		{"boolean not a boolean", string(replace("<tilmeldtDigitalpost>true</tilmeldtDigitalpost>", "<tilmeldtDigitalpost>ja</tilmeldtDigitalpost>")), "tilmeldtDigitalpost"},
		{"municipality not a number", string(replace("<kommunekode>607</kommunekode>", "<kommunekode>Fredericia</kommunekode>")), "kommunekode"},
		{"another person's data", string(other), "not the number asked for"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.Register.Reset()
			srv.Register.RespondNext(1, http.StatusOK, []byte(tc.body))
			_, err := c.Lookup(context.Background(), someone.CPR)
			var re *cpr.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v (%T), want *cpr.ResponseError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			assertNoCPR(t, "error", err.Error(), people...)
			for _, p := range people {
				if strings.Contains(err.Error(), p.Surname) {
					t.Errorf("error quotes a name: %s", err)
				}
			}
			if n := len(srv.Register.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestRequestCarriesCVRAndCPRInTheRightElements(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	someone := people[0]
	srv := startFake(t, people...)
	c := newClient(t, srv, nil, func(cfg *cpr.ClientConfig) { cfg.AccountingInfo = "Valghalla & co <test>" })
	if _, err := c.Lookup(context.Background(), someone.CPR); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Register.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := cprfake.ReceivedRequest{
		SOAPAction:           `"` + cpr.SOAPAction + `"`,
		ContentType:          "text/xml; charset=utf-8",
		ClientCertificateCN:  srv.Certificate.Leaf.Subject.CommonName,
		MunicipalityCVR:      cprfake.CVR,
		ServiceAgreementUUID: cprfake.ServiceAgreementUUID,
		UserSystemUUID:       cprfake.UserSystemUUID,
		UserUUID:             cprfake.UserUUID,
		ServiceUUID:          cpr.ServiceUUID,
		AccountingInfo:       "Valghalla & co <test>",
		PNR:                  someone.CPR.Digits(),
	}
	if reqs[0] != want {
		t.Errorf("the fake parsed\n %+v\nwant\n %+v", reqs[0], want)
	}
}

func TestRequestElementsAndOrder(t *testing.T) {
	body, err := cpr.EncodeRequest(cprfake.CVR, cpr.InvocationContext{
		ServiceAgreementUUID: cprfake.ServiceAgreementUUID, UserSystemUUID: cprfake.UserSystemUUID,
		UserUUID: cprfake.UserUUID, ServiceUUID: cpr.ServiceUUID, AccountingInfo: "x",
	}, "0101704001")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", body)
	}
	type el struct{ ns, local, text string }
	var got []el
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			got = append(got, el{ns: tk.Name.Space, local: tk.Name.Local})
		case xml.CharData:
			if len(got) > 0 && strings.TrimSpace(string(tk)) != "" {
				got[len(got)-1].text = string(tk)
			}
		}
	}
	want := []el{
		{cpr.NSSOAP, "Envelope", ""},
		{cpr.NSSOAP, "Body", ""},
		{cpr.NSService, "PersonLookupRequest", ""},
		{cpr.NSAuthority, "AuthorityContext", ""},
		{cpr.NSAuthority, "MunicipalityCVR", cprfake.CVR},
		{cpr.NSInvocation, "InvocationContext", ""},
		{cpr.NSInvocation, "ServiceAgreementUUID", cprfake.ServiceAgreementUUID},
		{cpr.NSInvocation, "UserSystemUUID", cprfake.UserSystemUUID},
		{cpr.NSInvocation, "UserUUID", cprfake.UserUUID},
		{cpr.NSInvocation, "ServiceUUID", cpr.ServiceUUID},
		{cpr.NSInvocation, "AccountingInfo", "x"},
		{cpr.NSPNR, "PNR", "0101704001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request elements\n got %v\nwant %v", got, want)
	}
}

// A response the way Serviceplatformen's JAX-WS stack writes it: prefixes,
// fields the fake does not write, xsd values without leading zeros.
const realisticResponse = `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header/>
  <soap:Body>
    <ns5:PersonLookupResponse xmlns:ns2="http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/"
        xmlns:ns3="http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
        xmlns:ns5="http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/">
      <ns5:persondata>
        <ns5:personnummer>0101704001</ns5:personnummer>
        <ns5:navn>
          <ns5:personadresseringsnavn>Ærø,Søren Kierkegaard</ns5:personadresseringsnavn>
          <ns5:fornavn>Søren</ns5:fornavn>
          <ns5:mellemnavn>Kierkegaard</ns5:mellemnavn>
          <ns5:efternavn>Ærø</ns5:efternavn>
        </ns5:navn>
        <ns5:foedselsdato><ns5:dato>1970-01-01+01:00</ns5:dato></ns5:foedselsdato>
        <ns5:alder>55</ns5:alder>
        <ns5:koen>M</ns5:koen>
        <ns5:antalBoernUnder18>1</ns5:antalBoernUnder18>
        <ns5:status>
          <ns5:status>5</ns5:status>
          <ns5:statusdato><ns5:dato>2019-02-28T23:00:00.000Z</ns5:dato></ns5:statusdato>
        </ns5:status>
        <ns5:civilstand><ns5:civilstand>G</ns5:civilstand></ns5:civilstand>
        <ns5:statsborgerskab>
          <ns5:landekode>5100</ns5:landekode>
          <ns5:statsborgerskabDato><ns5:dato>1970-01-01T00:00:00.000+01:00</ns5:dato></ns5:statsborgerskabDato>
        </ns5:statsborgerskab>
        <ns5:umyndiggoerelse>
          <ns5:umyndiggorelseRelationType>1</ns5:umyndiggorelseRelationType>
          <ns5:relationPersonnummer>0101704999</ns5:relationPersonnummer>
          <ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato>
          <ns5:umyndiggjort>false</ns5:umyndiggjort>
        </ns5:umyndiggoerelse>
        <ns5:adressebeskyttelse>
          <ns5:startdato>2021-01-01+01:00</ns5:startdato>
          <ns5:beskyttet>true</ns5:beskyttet>
        </ns5:adressebeskyttelse>
        <ns5:tilmeldtNemsms>false</ns5:tilmeldtNemsms>
        <ns5:tilmeldtDigitalpost>0</ns5:tilmeldtDigitalpost>
      </ns5:persondata>
      <ns5:adresse>
        <ns5:aktuelAdresse>
          <ns5:kommuneCvr>69116418</ns5:kommuneCvr>
          <ns5:kommunekode>607</ns5:kommunekode>
          <ns5:vejkode>1234</ns5:vejkode>
          <ns5:husnummer>012</ns5:husnummer>
          <ns5:postnummer>7000</ns5:postnummer>
          <ns5:postdistrikt>Fredericia</ns5:postdistrikt>
          <ns5:vejnavn>Prinsessegade</ns5:vejnavn>
          <ns5:distrikter>
            <ns5:postnummer>7000</ns5:postnummer>
            <ns5:valgdistriktKode>12</ns5:valgdistriktKode>
            <ns5:valgdistrikt>Fredericia Midt</ns5:valgdistrikt>
          </ns5:distrikter>
        </ns5:aktuelAdresse>
      </ns5:adresse>
      <ns5:relationer>
        <ns5:barn><ns5:personnummer>0101154002</ns5:personnummer></ns5:barn>
      </ns5:relationer>
    </ns5:PersonLookupResponse>
  </soap:Body>
</soap:Envelope>`

func TestParseRealisticResponse(t *testing.T) {
	c := cprfake.FixtureCPR(born1970, 4001)
	got, err := cpr.DecodeResponse(c, 200, []byte(realisticResponse))
	if err != nil {
		t.Fatal(err)
	}
	want := cpr.Person{
		GivenName:         "Søren Kierkegaard",
		Surname:           "Ærø",
		ProtectedAddress:  true,
		DigitalPostExempt: true,
		PollingDistrict:   "12",
	}
	want.CPR = c
	want.Status = "05"
	want.Citizenship = "5100"
	want.MunicipalityCode = "0607"
	want.FullGuardianship = false // no VærgemålType (v4's meaning): umyndiggjort=false is not full guardianship
	want.ResidentSince = models.Date{Year: 2019, Month: time.March, Day: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}

	variants := []struct {
		name   string
		old    string
		new    string
		change func(*cpr.Person)
	}{
		{"umyndiggjort", "<ns5:umyndiggjort>false</ns5:umyndiggjort>", "<ns5:umyndiggjort>true</ns5:umyndiggjort>",
			func(p *cpr.Person) { p.FullGuardianship = true }},
		{"umyndiggjort missing: fail closed", "<ns5:umyndiggjort>false</ns5:umyndiggjort>", "",
			func(p *cpr.Person) { p.FullGuardianship = true }},
		{"umyndiggørelse lifted", "<ns5:umyndiggjort>false</ns5:umyndiggjort>",
			"<ns5:umyndiggoerelseSlettedato>2024-01-01+01:00</ns5:umyndiggoerelseSlettedato><ns5:umyndiggjort>true</ns5:umyndiggjort>", nil},
		{"VærgemålType FULD decides over umyndiggjort=false", "<ns5:umyndiggoerelseStartdato>",
			"<ns5:VærgemålType>FULD</ns5:VærgemålType><ns5:umyndiggoerelseStartdato>",
			func(p *cpr.Person) { p.FullGuardianship = true }},
		{"VærgemålType DELVIS", "<ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato>\n          <ns5:umyndiggjort>false</ns5:umyndiggjort>",
			"<ns5:VærgemålType>DELVIS</ns5:VærgemålType><ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato><ns5:umyndiggjort>true</ns5:umyndiggjort>",
			func(p *cpr.Person) { p.PartialGuardianship = true }},
		{"VærgemålType FULD lifted", "<ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato>\n          <ns5:umyndiggjort>false</ns5:umyndiggjort>",
			"<ns5:VærgemålType>FULD</ns5:VærgemålType><ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato><ns5:umyndiggoerelseSlettedato>2024-01-01+01:00</ns5:umyndiggoerelseSlettedato><ns5:umyndiggjort>true</ns5:umyndiggjort>",
			nil},
		{"no Digital Post element: not exempt", "<ns5:tilmeldtDigitalpost>0</ns5:tilmeldtDigitalpost>", "",
			func(p *cpr.Person) { p.DigitalPostExempt = false }},
		{"address protection ended", "<ns5:beskyttet>true</ns5:beskyttet>", "<ns5:beskyttet>false</ns5:beskyttet>",
			func(p *cpr.Person) { p.ProtectedAddress = false }},
		{"only the addressing name", "<ns5:fornavn>Søren</ns5:fornavn>\n          <ns5:mellemnavn>Kierkegaard</ns5:mellemnavn>\n          <ns5:efternavn>Ærø</ns5:efternavn>", "", nil},
		{"dead: no residence date", "<ns5:status>5</ns5:status>", "<ns5:status>90</ns5:status>",
			func(p *cpr.Person) { p.Status = "90"; p.ResidentSince = models.Date{} }},
		{"status with a leading zero", "<ns5:status>5</ns5:status>", "<ns5:status>05</ns5:status>", nil},
	}
	for _, v := range variants {
		body := strings.Replace(realisticResponse, v.old, v.new, 1)
		if body == realisticResponse {
			t.Fatalf("%s: nothing replaced", v.name)
		}
		got, err := cpr.DecodeResponse(c, 200, []byte(body))
		if err != nil {
			t.Errorf("%s: %v", v.name, err)
			continue
		}
		w := want
		if v.change != nil {
			v.change(&w)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", v.name, got, w)
		}
	}
}

func TestParseServiceplatformFault(t *testing.T) {
	body := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>soap:Server</faultcode><faultstring>Fejl ved opslag af 010170-4001</faultstring>
<detail><ns2:ServiceplatformFault xmlns:ns2="http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/">
<ns2:ErrorList><ns2:Error><ns2:ErrorCode>CPR-E17</ns2:ErrorCode><ns2:ErrorText>Backend timeout for 0101704001</ns2:ErrorText></ns2:Error></ns2:ErrorList>
</ns2:ServiceplatformFault></detail></soap:Fault></soap:Body></soap:Envelope>`
	_, err := cpr.DecodeResponse(cprfake.FixtureCPR(born1970, 4001), 500, []byte(body))
	var fe *cpr.FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	want := &cpr.FaultError{HTTPStatus: 500, Code: "soap:Server", Message: "Fejl ved opslag af [CPR]",
		Details: []cpr.FaultDetail{{Code: "CPR-E17", Text: "Backend timeout for [CPR]"}}}
	if !reflect.DeepEqual(fe, want) {
		t.Errorf("\n got %+v\nwant %+v", fe, want)
	}
	if errors.Is(err, cpr.ErrNotFound) {
		t.Error("not a not-found fault")
	}
	// "PNR not found" in the detail alone is enough.
	nf := strings.Replace(body, "Backend timeout for", "PNR not found", 1)
	if _, err := cpr.DecodeResponse(cprfake.FixtureCPR(born1970, 4001), 500, []byte(nf)); !errors.Is(err, cpr.ErrNotFound) {
		t.Errorf("err = %v, want cpr.ErrNotFound", err)
	}
}

func TestLogsCarryNoCPRNorNames(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	logger, logs := newLogger()
	c := newClient(t, srv, logger)
	ctx := context.Background()

	for _, p := range people {
		if _, err := c.Lookup(ctx, p.CPR); err != nil {
			t.Fatal(err)
		}
	}
	unknown := cpr.Person{GivenName: "Ukendt", Surname: "Ukendtsen"}
	unknown.CPR = cprfake.FixtureCPR(born1970, 4998)
	if _, err := c.Lookup(ctx, unknown.CPR); !errors.Is(err, cpr.ErrNotFound) {
		t.Fatal(err)
	}
	srv.Register.FailNext(1, http.StatusServiceUnavailable, "nede for "+people[0].CPR.Digits())
	if _, err := c.Lookup(ctx, people[0].CPR); err != nil {
		t.Fatal(err)
	}
	srv.Register.FailAlways(http.StatusServiceUnavailable, "nede for "+people[0].CPR.Digits()+" "+people[0].Surname)
	if _, err := c.Lookup(ctx, people[0].CPR); err == nil {
		t.Fatal("no error")
	}
	srv.Register.Reset()
	truncated, _ := cprfake.ResponseBody(people[0])
	srv.Register.RespondNext(1, http.StatusOK, truncated[:len(truncated)-40])
	if _, err := c.Lookup(ctx, people[0].CPR); err == nil {
		t.Fatal("no error")
	}
	refused := newClient(t, srv, logger)
	cpr.WithoutClientCertificate(refused)
	if _, err := refused.Lookup(ctx, people[0].CPR); err == nil {
		t.Fatal("no error")
	}
	// A cpr.Person logged by a caller shows no CPR and no name either.
	logger.Info("looked up", "person", people[0])

	log := logs.String()
	all := append(append([]cpr.Person(nil), people...), unknown)
	assertNoCPR(t, "log", log, all...)
	for _, p := range all {
		for _, name := range []string{p.GivenName, p.Surname} {
			if strings.Contains(log, name) {
				t.Errorf("log contains the name %q", name)
			}
		}
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if o, ok := rec["outcome"].(string); ok {
			counts[o]++
		}
	}
	want := map[string]int{"found": len(people) + 1, "not_found": 1, "fault": 1, "bad_response": 1, "tls_refused": 1}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("outcomes %v, want %v", counts, want)
	}
}

func TestNewClientChecksTheConfig(t *testing.T) {
	srv := startFake(t)
	good := srv.ClientConfig()
	if _, err := cpr.NewClient(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	cases := map[string]func(*cpr.ClientConfig){
		"http endpoint":       func(c *cpr.ClientConfig) { c.Endpoint = strings.Replace(c.Endpoint, "https", "http", 1) },
		"no endpoint":         func(c *cpr.ClientConfig) { c.Endpoint = "" },
		"version 4 endpoint":  func(c *cpr.ClientConfig) { c.Endpoint = strings.Replace(c.Endpoint, "/5", "/4", 1) },
		"no certificate":      func(c *cpr.ClientConfig) { c.Certificate = tls.Certificate{} },
		"no private key":      func(c *cpr.ClientConfig) { c.Certificate.PrivateKey = nil },
		"CVR 7 digits":        func(c *cpr.ClientConfig) { c.CVR = "1234567" },
		"CVR with a letter":   func(c *cpr.ClientConfig) { c.CVR = "1234567a" },
		"CVR with spaces":     func(c *cpr.ClientConfig) { c.CVR = "1234 5678" },
		"no CVR":              func(c *cpr.ClientConfig) { c.CVR = "" },
		"bad agreement UUID":  func(c *cpr.ClientConfig) { c.ServiceAgreementUUID = "not-a-uuid" },
		"no user system UUID": func(c *cpr.ClientConfig) { c.UserSystemUUID = "" },
		"no user UUID":        func(c *cpr.ClientConfig) { c.UserUUID = "" },
		"no service UUID":     func(c *cpr.ClientConfig) { c.ServiceUUID = "" },
		"accounting too long": func(c *cpr.ClientConfig) { c.AccountingInfo = strings.Repeat("x", 256) },
	}
	for name, change := range cases {
		cfg := good
		change(&cfg)
		if _, err := cpr.NewClient(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLookupHonoursTheContext(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	srv.Register.FailAlways(http.StatusServiceUnavailable, "nede")
	c := newClient(t, srv, nil, func(cfg *cpr.ClientConfig) {
		cfg.RetryMax = 10
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Second, time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Lookup(ctx, people[0].CPR)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if _, err := c.Lookup(context.Background(), models.CPR{}); err == nil {
		t.Error("zero CPR accepted")
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"PNR 0101704001 ukendt":     "PNR [CPR] ukendt",
		"PNR 010170-4001 ukendt":    "PNR [CPR] ukendt",
		"PNR 010170 4001 ukendt":    "PNR [CPR] ukendt",
		"a0101704001b":              "a[CPR]b",
		"HTTP 503 after 4 attempts": "HTTP 503 after 4 attempts",
		"CVR 12345678, 2025-11-18":  "CVR 12345678, 2025-11-18",
		"01017040010101704001":      "[CPR][CPR]",
		// over-scrubbing is the accepted price of never leaking
		"uuid 00000000-0000-4000-8000": "uuid 00[CPR]-4000-8000",
	} {
		if got := cpr.Scrub(in); got != want {
			t.Errorf("cpr.Scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPersonLogValueHidesIdentity(t *testing.T) {
	p := cprfake.FixturePeople(home, electionDay)[0]
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "p", p)
	s := buf.String()
	if strings.Contains(s, p.GivenName) || strings.Contains(s, p.Surname) || strings.Contains(s, p.CPR.Digits()[:6]) {
		t.Errorf("log shows identity: %s", s)
	}
}

func FuzzParseResponse(f *testing.F) {
	people := cprfake.FixturePeople(home, electionDay)
	requested := people[0].CPR
	for _, p := range people {
		b, err := cprfake.ResponseBody(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	fault, _ := cprfake.FaultBody("Client", "PNR not found: 0101704001", "PNR_NOT_FOUND")
	f.Add(fault)
	f.Add([]byte(realisticResponse))
	f.Add([]byte(realisticResponse[:len(realisticResponse)/3]))
	f.Add([]byte("<html/>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{200, 500} {
			p, err := cpr.DecodeResponse(requested, status, body)
			if err != nil {
				if m := cprRun.FindString(err.Error()); m != "" {
					t.Fatalf("error text holds a CPR-like number %q", m)
				}
				continue
			}
			if p.CPR != requested {
				t.Fatalf("a person for another number came back")
			}
		}
	})
}
