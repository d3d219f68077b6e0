package dpfake_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/providers/digitalpost"
)

const (
	someoneCPR = "0101704001"
	uuidA      = "6f1c1c3e-5b7a-4d8e-9a51-2f1e0c9d8b7a"
	uuidB      = "0b5e1d1e-8c8f-4a57-9d0e-3c3f2d2a1b10"
)

func start(t *testing.T, opts dpfake.Options) *dpfake.Server {
	t.Helper()
	srv, err := dpfake.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// rawClient talks to the fake with its client certificate but without
// digitalpost.Client, to send what that client never would.
func rawClient(srv *dpfake.Server) *http.Client {
	cfg := srv.ClientConfig()
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: cfg.RootCAs, Certificates: []tls.Certificate{cfg.Certificate},
	}}}
}

func memo(t *testing.T, uuid, html string) []byte {
	t.Helper()
	b, err := digitalpost.BuildMeMo(digitalpost.Letter{
		MessageUUID: uuid, SenderCVR: dpfake.FakeCVR, SenderLabel: dpfake.FakeSenderLabel,
		RecipientCPR: someoneCPR, Label: "Prøve", Created: time.Date(2025, 10, 20, 9, 0, 0, 0, time.UTC),
		HTML: html,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type answer struct {
	status int
	body   map[string]string
}

func post(t *testing.T, c *http.Client, srv *dpfake.Server, query, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.BaseURL+"/apis/v1/memos/"+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer is not JSON: %q", raw)
	}
	return a
}

func TestFakeRefusesBadMeMos(t *testing.T) {
	srv := start(t, dpfake.Options{})
	c := rawClient(srv)
	good := memo(t, uuidA, "<p>Hej</p>")
	cases := []struct {
		name, query, contentType string
		body                     []byte
		status                   int
		want                     string
	}{
		{"no uuid", "", "application/xml", good, 400, "memo-message-uuid is required"},
		{"bad uuid", "?memo-message-uuid=42", "application/xml", good, 400, "not a UUID"},
		{"uuid differs", "?memo-message-uuid=" + uuidB, "application/xml", good, 400, "differs from the MeMo's messageUUID"},
		{"not XML", "?memo-message-uuid=" + uuidA, "application/xml", []byte("{}"), 400, "not well-formed XML"},
		{"wrong namespace", "?memo-message-uuid=" + uuidA, "application/xml",
			bytes.ReplaceAll(good, []byte("https://DigitalPost.dk/MeMo-1"), []byte("urn:other")), 400, "namespace https://DigitalPost.dk/MeMo-1"},
		{"missing label", "?memo-message-uuid=" + uuidA, "application/xml",
			bytes.Replace(good, []byte("<memo:label>Prøve</memo:label>"), nil, 1), 400, "Label must not be empty"},
		{"JSON body", "?memo-message-uuid=" + uuidA, "application/json", good, 415, "Content-Type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, c, srv, tc.query, tc.contentType, tc.body)
			if a.status != tc.status || a.body["status"] != digitalpost.StatusInvalid {
				t.Errorf("answer %d %v, want %d INVALID", a.status, a.body, tc.status)
			}
			if !strings.Contains(a.body["detail"], tc.want) {
				t.Errorf("detail %q does not say %q", a.body["detail"], tc.want)
			}
			if strings.Contains(a.body["detail"], someoneCPR) {
				t.Errorf("detail %q echoes the CPR number", a.body["detail"])
			}
		})
	}
	if n := len(srv.Deliveries()); n != 0 {
		t.Errorf("the fake stored %d bad letters", n)
	}
	if n := len(srv.Requests()); n != len(cases) {
		t.Errorf("recorded %d requests, want %d", n, len(cases))
	}
}

func TestFakeIsIdempotentByUUID(t *testing.T) {
	var mu sync.Mutex
	var hooked []string
	srv := start(t, dpfake.Options{OnDelivery: func(d dpfake.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		hooked = append(hooked, d.Letter.MessageUUID)
	}})
	c := rawClient(srv)
	q := "?memo-message-uuid=" + uuidA
	first := post(t, c, srv, q, "application/xml", memo(t, uuidA, "<p>Første</p>"))
	again := post(t, c, srv, q, "application/xml; charset=utf-8", memo(t, uuidA, "<p>Anden</p>"))
	other := post(t, c, srv, "?memo-message-uuid="+uuidB, "text/xml", memo(t, uuidB, "<p>Tredje</p>"))
	for _, a := range []answer{first, again, other} {
		if a.status != 200 || a.body["status"] != digitalpost.StatusReceived {
			t.Errorf("answer %d %v, want 200 RECEIVED", a.status, a.body)
		}
	}
	if again.body["messageUUID"] != uuidA {
		t.Errorf("repeat answered for %q", again.body["messageUUID"])
	}
	letters := srv.Letters()
	if len(letters) != 2 || letters[0].HTML != "<p>Første</p>" || letters[1].MessageUUID != uuidB {
		t.Errorf("letters = %+v, want the first version of A, then B", letters)
	}
	d := srv.Deliveries()
	if len(d) != 2 || d[0].Received.IsZero() || d[1].Received.Before(d[0].Received) {
		t.Errorf("deliveries = %+v", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(hooked, ",") != uuidA+","+uuidB {
		t.Errorf("OnDelivery saw %v, want A then B once each", hooked)
	}
}

func TestFakeScriptedFailuresAndClock(t *testing.T) {
	clock := time.Date(2025, 11, 1, 12, 0, 0, 0, time.UTC)
	srv := start(t, dpfake.Options{Now: func() time.Time { return clock }})
	c := rawClient(srv)
	srv.FailNext(1, http.StatusTooManyRequests, 1500*time.Millisecond)

	req, _ := http.NewRequest(http.MethodGet, srv.BaseURL+"/apis/v1/memos/"+uuidA+"/receipt", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("answer %d Retry-After %q, want 429 and 2 (seconds, rounded up)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp, err = c.Do(req.Clone(req.Context()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown uuid answered %d, want 404", resp.StatusCode)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || !reqs[0].At.Equal(clock) || reqs[0].MessageUUID != uuidA || reqs[1].Status != 404 {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestFakeRequiresClientCertificate(t *testing.T) {
	srv := start(t, dpfake.Options{})
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: srv.ClientConfig().RootCAs,
	}}}
	resp, err := c.Post(srv.BaseURL+"/apis/v1/memos/?memo-message-uuid="+uuidA, "application/xml", bytes.NewReader(memo(t, uuidA, "<p>x</p>")))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client without certificate got %d", resp.StatusCode)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake handled %d requests", n)
	}
}

// withPDF is a MeMo of version with one attachment of MIME type mime.
func withPDF(t *testing.T, uuid, version, mime string) []byte {
	t.Helper()
	b, err := digitalpost.BuildMeMoVersion(digitalpost.Letter{
		MessageUUID: uuid, SenderCVR: dpfake.FakeCVR, SenderLabel: dpfake.FakeSenderLabel,
		RecipientCPR: someoneCPR, Label: "Prøve", Created: time.Date(2025, 10, 20, 9, 0, 0, 0, time.UTC),
		HTML:        "<p>Hej</p>",
		Attachments: []digitalpost.Attachment{{Filename: "vejledning.pdf", MIME: mime, Content: []byte("%PDF-1.4\n")}},
	}, version)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refusal is a MeMo the fake must refuse, posted with uuid.
type refusal struct {
	name, uuid string
	body       []byte
	want       string // what the fault's detail says
}

// The fake refuses what the MeMo schema refuses, with NgDP's fault (400,
// INVALID), not a success: a messageUUID that is a UUID but not a
// version-4 one, a MIME type of 257 characters, and the attributes of the
// wrong version. Each document is shown refused by xmllint as well, when
// it and ../shared are there; the same letters at the bounds are taken.
func TestFakeRefusesWhatTheSchemaRefuses(t *testing.T) {
	srv := start(t, dpfake.Options{})
	c := rawClient(srv)
	const v1 = "6f1c1c3e-5b7a-1d8e-9a51-2f1e0c9d8b7a" // a version-1 UUID
	mime256 := "application/" + strings.Repeat("x", 256-len("application/"))
	for _, version := range digitalpost.MeMoVersions {
		schema := "memo/MeMo_core.xsd"
		if version == digitalpost.MeMo12 {
			schema = "memo/Version1.2/MeMo_core.xsd"
		}
		good := withPDF(t, uuidA, version, mime256)
		cases := []refusal{
			{"version-1 messageUUID", v1, bytes.ReplaceAll(good, []byte(uuidA), []byte(v1)), "messageUUID: pattern of a version-4 UUID"},
			{"MIME type of 257 characters", uuidA, bytes.Replace(good, []byte(mime256), []byte(mime256+"x"), 1), "AdditionalDocument/File/encodingFormat: maxLength 256"},
		}
		if version == digitalpost.MeMo11 {
			cases = append(cases, refusal{"1.1 without memoSchVersion", uuidA, bytes.Replace(good, []byte(` memoSchVersion="1.1.0"`), nil, 1), "memoSchVersion: required in MeMo 1.1"})
		} else {
			cases = append(cases, refusal{"1.2 with memoSchVersion", uuidA, bytes.Replace(good, []byte(`memoVersion="1.2"`), []byte(`memoVersion="1.2" memoSchVersion="1.2.0"`), 1), "memoSchVersion: not allowed in MeMo 1.2"})
		}
		for _, tc := range cases {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				if bytes.Equal(tc.body, good) {
					t.Fatal("the case changed nothing")
				}
				a := post(t, c, srv, "?memo-message-uuid="+tc.uuid, "application/xml", tc.body)
				if a.status != http.StatusBadRequest || a.body["status"] != digitalpost.StatusInvalid {
					t.Errorf("answer %d %v, want 400 INVALID", a.status, a.body)
				}
				if !strings.Contains(a.body["detail"], tc.want) {
					t.Errorf("detail %q does not say %q", a.body["detail"], tc.want)
				}
				if xsdcheck.Validate(xsdcheck.Schema(t, schema), tc.body) == nil {
					t.Error("xmllint accepts what the fake refuses")
				}
			})
		}
		t.Run(version+"/at the bounds", func(t *testing.T) {
			if a := post(t, c, srv, "?memo-message-uuid="+uuidA, "application/xml", good); a.status != http.StatusOK || a.body["status"] != digitalpost.StatusReceived {
				t.Fatalf("answer %d %v, want 200 RECEIVED", a.status, a.body)
			}
			d := srv.Deliveries()
			if len(d) != 1 || !bytes.Equal(d[0].MeMo, good) || d[0].Letter.Attachments[0].MIME != mime256 {
				t.Fatalf("deliveries %+v", d)
			}
			xsdcheck.Valid(t, schema, d[0].MeMo)
		})
		srv.Reset()
	}
}
