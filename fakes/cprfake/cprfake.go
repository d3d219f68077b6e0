// Package cprfake is a local CPR register: it answers SF1520
// PersonBaseDataExtended version 5 PersonLookup over SOAP 1.1 behind mutual TLS (a
// generated CA; client certificates required), for tests and for `valghalla
// dev`, so the real client in providers/cpr runs against it. It writes and
// reads the wire XML with its own types (wire.go), not the client's.
//
// FixturePeople are fictitious people covering every eligibility rule.
package cprfake

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

var cvrPattern = regexp.MustCompile(`^[0-9]{8}$`)

// Register is an in-memory CPR register that speaks SF1520's wire format: it
// parses the SOAP PersonLookupRequest and answers with a
// PersonLookupResponse, or a SOAP fault ("PNR not found" for a number it
// does not know). Run it behind mutual TLS with Start.
//
// Like Serviceplatformen it refuses, with a soap:Client fault and a
// ServiceplatformFault detail, a request that fails the published v5
// schemas (schema.go: the v5 namespace — a version 4 request is refused —,
// the sequence and namespaces of the request's elements, the context
// schemas' required elements, CVR and lower-case UUID patterns and
// lengths, a PNR of at most 10 characters), and one without SOAPAction
// PersonLookup (v5), without AuthorityContext or InvocationContext (which
// the schema leaves optional but the service needs), or whose PNR is not 10
// digits. It checks before any scripted answer (FailNext, RespondNext), so a
// client that drifts from the schema fails every test that uses the fake.
//
// For tests it can be told to fail (FailNext, FailAlways, RespondNext), and it
// keeps the requests it parsed (Requests). It is safe for concurrent use.
type Register struct {
	mu       sync.Mutex
	people   map[string]cpr.Person
	script   []scripted
	always   *scripted
	requests []ReceivedRequest
}

// ReceivedRequest is a request as the fake parsed it, element by element.
type ReceivedRequest struct {
	SOAPAction           string
	ContentType          string
	ClientCertificateCN  string // the subject CN of the TLS client certificate, if any
	MunicipalityCVR      string // AuthorityContext/MunicipalityCVR
	ServiceAgreementUUID string // InvocationContext/...
	UserSystemUUID       string
	UserUUID             string
	ServiceUUID          string
	AccountingInfo       string
	PNR                  string // cpr:PNR — a CPR number: keep it in tests
}

type scripted struct {
	status int
	fault  string // a soap:Server fault with this text, when raw is nil
	raw    []byte // the body as is, when isRaw
	isRaw  bool
}

// NewRegister makes a fake register that knows people (by CPR number).
func NewRegister(people ...cpr.Person) *Register {
	f := &Register{people: make(map[string]cpr.Person)}
	f.Add(people...)
	return f
}

// Add makes the fake know more people (or replaces what it knows about them).
func (f *Register) Add(people ...cpr.Person) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range people {
		if !p.CPR.IsZero() {
			f.people[p.CPR.Digits()] = p
		}
	}
}

// FailNext answers the next n well-formed requests with the HTTP status and a
// soap:Server fault carrying text.
func (f *Register) FailNext(n, status int, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.script = append(f.script, scripted{status: status, fault: text})
	}
}

// FailAlways answers every well-formed request with the HTTP status and a
// soap:Server fault carrying text, until Reset.
func (f *Register) FailAlways(status int, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always = &scripted{status: status, fault: text}
}

// RespondNext answers the next n well-formed requests with status and body as
// they are (malformed answers, gateway error pages).
func (f *Register) RespondNext(n, status int, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.script = append(f.script, scripted{status: status, raw: append([]byte(nil), body...), isRaw: true})
	}
}

// Reset forgets scripted failures and the requests received.
func (f *Register) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script, f.always, f.requests = nil, nil, nil
}

// Requests returns the requests received so far, oldest first.
func (f *Register) Requests() []ReceivedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ReceivedRequest(nil), f.requests...)
}

// ServeHTTP answers one PersonLookup.
func (f *Register) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != endpointPath && r.URL.Path != endpointPath+"/" {
		// Another version's path (…/PersonBaseDataExtended/4) is not here.
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeFault(w, http.StatusBadRequest, "Client", "Request body unreadable or too large", "REQUEST_INVALID")
		return
	}
	schemaErr := checkRequestSchema(body)
	req, err := decodeRequest(body)
	if err != nil {
		if se, ok := schemaErr.(*schemaError); ok {
			writeFault(w, http.StatusInternalServerError, "Client", se.text, se.code)
			return
		}
		writeFault(w, http.StatusInternalServerError, "Client", "Malformed PersonLookupRequest: "+xmlErrorText(err), "REQUEST_INVALID")
		return
	}
	got := ReceivedRequest{
		SOAPAction:  r.Header.Get("SOAPAction"),
		ContentType: r.Header.Get("Content-Type"),
		PNR:         strings.TrimSpace(req.PNR),
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		got.ClientCertificateCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	if a := req.AuthorityContext; a != nil {
		got.MunicipalityCVR = strings.TrimSpace(a.MunicipalityCVR)
	}
	if i := req.InvocationContext; i != nil {
		got.ServiceAgreementUUID = strings.TrimSpace(i.ServiceAgreementUUID)
		got.UserSystemUUID = strings.TrimSpace(i.UserSystemUUID)
		got.UserUUID = strings.TrimSpace(i.UserUUID)
		got.ServiceUUID = strings.TrimSpace(i.ServiceUUID)
		got.AccountingInfo = strings.TrimSpace(i.AccountingInfo)
	}

	f.mu.Lock()
	f.requests = append(f.requests, got)
	f.mu.Unlock()

	// What the service refuses comes first: a scripted answer is for a
	// request the service would have taken.
	var se *schemaError
	switch {
	case strings.Trim(got.SOAPAction, `"`) != soapAction:
		writeFault(w, http.StatusInternalServerError, "Client", "Unknown SOAPAction (PersonBaseDataExtended version 5 wants "+soapAction+")", "REQUEST_INVALID")
		return
	case errors.As(schemaErr, &se):
		writeFault(w, http.StatusInternalServerError, "Client", se.text, se.code)
		return
	case req.AuthorityContext == nil || !cvrPattern.MatchString(got.MunicipalityCVR):
		writeFault(w, http.StatusInternalServerError, "Client", "AuthorityContext/MunicipalityCVR missing or not 8 digits", "AUTHORITY_CONTEXT_INVALID")
		return
	case req.InvocationContext == nil:
		writeFault(w, http.StatusInternalServerError, "Client", "InvocationContext missing or incomplete", "INVOCATION_CONTEXT_INVALID")
		return
	case len(got.PNR) != 10 || strings.Trim(got.PNR, "0123456789") != "":
		writeFault(w, http.StatusInternalServerError, "Client", "PNR must be 10 digits", "PNR_INVALID")
		return
	}

	f.mu.Lock()
	var next *scripted
	switch {
	case len(f.script) > 0:
		s := f.script[0]
		f.script = f.script[1:]
		next = &s
	case f.always != nil:
		s := *f.always
		next = &s
	}
	p, known := f.people[got.PNR]
	f.mu.Unlock()

	if next != nil {
		if next.isRaw {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(next.status)
			_, _ = w.Write(next.raw)
			return
		}
		writeFault(w, next.status, "Server", next.fault, "SERVICE_UNAVAILABLE")
		return
	}

	if !known {
		// Echo the number the way a careless server might: the client must
		// scrub it.
		writeFault(w, http.StatusInternalServerError, "Client", "PNR not found: "+got.PNR, "PNR_NOT_FOUND")
		return
	}
	out, err := ResponseBody(p)
	if err != nil {
		writeFault(w, http.StatusInternalServerError, "Server", "Internal error", "INTERNAL")
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func writeFault(w http.ResponseWriter, status int, code, text, errorCode string) {
	out, err := FaultBody(code, text, errorCode)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// ---- running it behind mutual TLS ----

// Fictitious invocation context for the fake: obviously not
// Serviceplatformen's.
const (
	CVR                  = "12345678"
	ServiceAgreementUUID = "00000000-0000-4000-8000-000000001520"
	UserSystemUUID       = "00000000-0000-4000-8000-0000000005a1"
	UserUUID             = "00000000-0000-4000-8000-00000000c0de"
)

// Server is a Register served over HTTPS on 127.0.0.1 with a generated CA,
// requiring a client certificate signed by that CA.
type Server struct {
	Register    *Register
	Endpoint    string          // https://127.0.0.1:port/service/CPR/PersonBaseDataExtended/5
	Certificate tls.Certificate // a client certificate the server accepts
	RootCAs     *x509.CertPool  // trusts the server's certificate

	ca     *localpki.CA
	server *http.Server
	done   chan struct{}
}

// Start starts a fake register that knows people. Close it when done
// (t.Cleanup(srv.Close) in a test).
func Start(people ...cpr.Person) (*Server, error) {
	ca, err := localpki.NewCA("Valghalla fake Serviceplatformen CA")
	if err != nil {
		return nil, err
	}
	serverCert, err := ca.Issue("127.0.0.1", false)
	if err != nil {
		return nil, err
	}
	clientCert, err := ca.Issue("Valghalla dev (fictitious OCES system certificate)", true)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cprfake: %w", err)
	}
	fake := NewRegister(people...)
	srv := &http.Server{
		Handler:           fake,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // refused handshakes are expected in tests
		TLSConfig: &tls.Config{
			// TLS 1.2 only: a refused client certificate then fails the
			// handshake itself. In TLS 1.3 the refusal reaches the client
			// after its side of the handshake is done and may surface as a
			// broken pipe on the first write instead of a TLS alert.
			MinVersion:   tls.VersionTLS12,
			MaxVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{serverCert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    ca.Pool(),
		},
	}
	s := &Server{
		Register:    fake,
		Endpoint:    "https://" + ln.Addr().String() + endpointPath,
		Certificate: clientCert,
		RootCAs:     ca.Pool(),
		ca:          ca,
		server:      srv,
		done:        make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = srv.ServeTLS(ln, "", "")
	}()
	return s, nil
}

// ClientConfig is a configuration under which cpr.NewClient talks to this fake:
// its endpoint, client certificate and roots, and the fictitious CVR and
// UUIDs.
func (s *Server) ClientConfig() cpr.ClientConfig {
	return cpr.ClientConfig{
		Endpoint:             s.Endpoint,
		Certificate:          s.Certificate,
		RootCAs:              s.RootCAs,
		CVR:                  CVR,
		ServiceAgreementUUID: ServiceAgreementUUID,
		UserSystemUUID:       UserSystemUUID,
		UserUUID:             UserUUID,
		ServiceUUID:          cpr.ServiceUUID,
	}
}

// Close stops the server and waits for it.
func (s *Server) Close() {
	_ = s.server.Close()
	<-s.done
}

// ---- fixture people ----

// FixturePeople returns fictitious people, living in municipalityCode unless
// said otherwise, that cover every case of DOMAIN.md's eligibility rules for
// an election on electionDay (zero means 2025-11-18, the 2025 KV):
//
//	Søren Ærø           Danish citizen, resident (eligible everywhere)
//	Lena Fischer        German (EU) citizen, resident (KV, EP; not FV)
//	Ingrid Haugen       Norwegian, resident (KV; not FV, EP)
//	James Whitfield     British (outside the EU), resident exactly 4 years (KV)
//	Olivia Bennett      British, resident 4 years less a day (nowhere)
//	Åse Østergaard      Danish, full guardianship (KV, EP; not FV)
//	Bjørn Løvgren       Danish, partial guardianship (VærgemålType DELVIS: everywhere)
//	Gudrun Kjær         dead (90)
//	Mads Dræby          disappeared (70)
//	Kirsten Vestergård  emigrated (80)
//	Niels Højgaard      Danish, lives in another municipality
//	Henrik Bæk          Danish, protected address (eligible)
//	Else Frølund        Danish, exempt from Digital Post (eligible)
//	Freja Dahl          Danish, turns 18 on the election day (eligible)
//	Emil Sørensen       Danish, turns 18 the day after (underage)
//
// CPR numbers are valid in format (birth date and century digit) and
// fictitious: the 01-01-1970 series with serials 4001–4016 (the 7th digit 4
// with year 70 means 1900s), and for the two 18-year-olds their birth date
// with serials 4018 and 4021. Odd last digit = man, as the names are.
// Inactive people (dead, disappeared, emigrated) have no municipality, no
// polling district and no ResidentSince, as the register gives none.
func FixturePeople(municipalityCode string, electionDay models.Date) []cpr.Person {
	if electionDay.IsZero() {
		electionDay = models.Date{Year: 2025, Month: time.November, Day: 18}
	}
	home := normaliseCode(strings.TrimSpace(municipalityCode))
	other := "0101" // København
	if home == "0101" {
		other = "0147" // Frederiksberg
	}
	born1970 := models.Date{Year: 1970, Month: time.January, Day: 1}
	fourYears := models.NewDate(electionDay.Year-4, electionDay.Month, electionDay.Day)
	if fourYears.Month != electionDay.Month { // 29 February
		fourYears = models.NewDate(electionDay.Year-4, time.February, 28)
	}
	turns18 := models.NewDate(electionDay.Year-18, electionDay.Month, electionDay.Day)
	if turns18.Month != electionDay.Month { // born 29 February: 28 February counts
		turns18 = models.NewDate(electionDay.Year-18, time.February, 28)
	}

	person := func(number models.CPR, given, surname string, change func(*cpr.Person)) cpr.Person {
		p := cpr.Person{GivenName: given, Surname: surname}
		p.CPR = number
		p.Status = "01"
		p.Citizenship = "5100"
		p.MunicipalityCode = home
		p.ResidentSince = number.BirthDate()
		p.PollingDistrict = "1"
		if change != nil {
			change(&p)
		}
		return p
	}
	c := func(serial int) models.CPR { return FixtureCPR(born1970, serial) }

	return []cpr.Person{
		person(c(4001), "Søren", "Ærø", nil),
		person(c(4002), "Lena", "Fischer", func(p *cpr.Person) {
			p.Citizenship = "5180" // Tyskland
			p.ResidentSince = models.NewDate(electionDay.Year-2, time.August, 1)
			p.PollingDistrict = "2"
		}),
		person(c(4004), "Ingrid", "Haugen", func(p *cpr.Person) {
			p.Citizenship = "5110" // Norge
			p.ResidentSince = models.NewDate(electionDay.Year-1, time.March, 15)
		}),
		person(c(4005), "James", "Whitfield", func(p *cpr.Person) {
			p.Citizenship = "5170" // Storbritannien, outside the EU since 2020
			p.ResidentSince = fourYears
			p.PollingDistrict = "3"
		}),
		person(c(4006), "Olivia", "Bennett", func(p *cpr.Person) {
			p.Citizenship = "5170"
			p.ResidentSince = fourYears.AddDays(1)
		}),
		person(c(4008), "Åse", "Østergaard", func(p *cpr.Person) { p.FullGuardianship = true }),
		person(c(4009), "Bjørn", "Løvgren", func(p *cpr.Person) { p.PartialGuardianship = true }), // DELVIS: keeps the vote
		person(c(4010), "Gudrun", "Kjær", func(p *cpr.Person) {
			p.Status, p.MunicipalityCode, p.ResidentSince, p.PollingDistrict = "90", "", models.Date{}, ""
		}),
		person(c(4011), "Mads", "Dræby", func(p *cpr.Person) {
			p.Status, p.MunicipalityCode, p.ResidentSince, p.PollingDistrict = "70", "", models.Date{}, ""
		}),
		person(c(4012), "Kirsten", "Vestergård", func(p *cpr.Person) {
			p.Status, p.MunicipalityCode, p.ResidentSince, p.PollingDistrict = "80", "", models.Date{}, ""
		}),
		person(c(4013), "Niels", "Højgaard", func(p *cpr.Person) { p.MunicipalityCode = other; p.PollingDistrict = "7" }),
		person(c(4015), "Henrik", "Bæk", func(p *cpr.Person) { p.ProtectedAddress = true }),
		person(c(4016), "Else", "Frølund", func(p *cpr.Person) { p.DigitalPostExempt = true; p.PollingDistrict = "2" }),
		person(FixtureCPR(turns18, 4018), "Freja", "Dahl", nil),
		person(FixtureCPR(turns18.AddDays(1), 4021), "Emil", "Sørensen", nil),
	}
}

// FixtureCPR makes a format-valid CPR number for birth with the 4-digit
// serial; its first digit is replaced by the century digit the birth year
// needs (4 for 1937–2036, 5 for 2037–2057 and 1858–1899, 3 for 1900–1936).
func FixtureCPR(birth models.Date, serial int) models.CPR {
	var century int
	switch y := birth.Year; {
	case y >= 1937 && y <= 2036:
		century = 4
	case y >= 2037 && y <= 2057, y >= 1858 && y <= 1899:
		century = 5
	case y >= 1900 && y <= 1936:
		century = 3
	default:
		panic(fmt.Sprintf("cprfake: no CPR number can encode the birth year %d", y))
	}
	s := fmt.Sprintf("%02d%02d%02d%d%03d", birth.Day, int(birth.Month), birth.Year%100, century, serial%1000)
	c, err := models.ParseCPR(s)
	if err != nil {
		panic(errors.New("cprfake: fixture CPR number does not parse: " + err.Error()))
	}
	return c
}

func normaliseCode(s string) string {
	for len(s) < 4 && s != "" {
		s = "0" + s
	}
	return s
}
