package cpr_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

const msgSchema = "sf1520-v5-arranged/PersonBaseDataExtendedServiceMsg.xsd"

// upperConfig gives the fake's configuration with its UUIDs in upper case,
// the way Serviceplatformen's administration module may show them.
func upperConfig(c *cpr.ClientConfig) {
	c.ServiceAgreementUUID = strings.ToUpper(c.ServiceAgreementUUID)
	c.UserSystemUUID = " " + strings.ToUpper(c.UserSystemUUID) + " "
	c.UserUUID = strings.ToUpper(c.UserUUID)
	c.ServiceUUID = strings.ToUpper(c.ServiceUUID)
}

// Every request the client builds is valid against the published v5
// schema: with and without AccountingInfo, with characters to escape, with
// the UUIDs configured in upper case. A broken request (an upper-case UUID,
// the version 4 namespace) is refused by the same check.
func TestRequestConformsToThePublishedSchema(t *testing.T) {
	schema := xsdcheck.Schema(t, msgSchema)
	srv := startFake(t)
	variants := map[string][]func(*cpr.ClientConfig){
		"plain":                      nil,
		"AccountingInfo to escape":   {func(c *cpr.ClientConfig) { c.AccountingInfo = `Valghalla & co <"test">` }},
		"AccountingInfo in Danish":   {func(c *cpr.ClientConfig) { c.AccountingInfo = strings.Repeat("æ", 127) }},
		"UUIDs given in upper case":  {upperConfig},
		"upper case and AccountInfo": {upperConfig, func(c *cpr.ClientConfig) { c.AccountingInfo = "valg" }},
	}
	var payload []byte
	for name, change := range variants {
		c := newClient(t, srv, nil, change...)
		for _, number := range []string{"0101704001", "0000000000", "3112999999"} {
			env, err := cpr.RequestBody(c, number)
			if err != nil {
				t.Fatal(err)
			}
			payload, err = cprfake.Payload(env, cpr.NSService, "PersonLookupRequest")
			if err != nil {
				t.Fatal(err)
			}
			if err := xsdcheck.Validate(schema, payload); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	for name, broken := range map[string][]byte{
		"upper-case UUID": bytes.Replace(payload, []byte(cprfake.UserSystemUUID), []byte(strings.ToUpper(cprfake.UserSystemUUID)), 1),
		"version 4":       bytes.ReplaceAll(payload, []byte(cpr.NSService), []byte(strings.Replace(cpr.NSService, "/5/", "/4/", 1))),
		"no PNR":          bytes.Replace(payload, []byte("<PNR xmlns=\""+cpr.NSPNR+"\">3112999999</PNR>"), nil, 1),
	} {
		if bytes.Equal(broken, payload) {
			t.Fatalf("%s: nothing broken in\n%s", name, payload)
		}
		if err := xsdcheck.Validate(schema, broken); err == nil {
			t.Errorf("%s: the schema accepts a broken request:\n%s", name, broken)
		}
	}
}

// The sample answer written the way Serviceplatformen writes it is valid
// against the schema, and so are its VærgemålType variants.
func TestRealisticResponseConformsToThePublishedSchema(t *testing.T) {
	schema := xsdcheck.Schema(t, msgSchema)
	for _, kind := range []string{"", "FULD", "DELVIS"} {
		doc := realisticResponse
		if kind != "" {
			doc = strings.Replace(doc, "<ns5:umyndiggoerelseStartdato>", "<ns5:VærgemålType>"+kind+"</ns5:VærgemålType><ns5:umyndiggoerelseStartdato>", 1)
		}
		payload, err := cprfake.Payload([]byte(doc), cpr.NSService, "PersonLookupResponse")
		if err != nil {
			t.Fatal(err)
		}
		if err := xsdcheck.Validate(schema, payload); err != nil {
			t.Errorf("VærgemålType %q: %v", kind, err)
		}
	}
}

// UUIDs configured in upper case (CPR_SERVICE_AGREEMENT_UUID etc. as
// copied from the administration module) are sent in lower case, which the
// fake — like Serviceplatformen's schema — requires.
func TestUpperCaseUUIDsAreSentInLowerCase(t *testing.T) {
	people := cprfake.FixturePeople(home, electionDay)
	srv := startFake(t, people...)
	c := newClient(t, srv, nil, upperConfig)
	if _, err := c.Lookup(context.Background(), people[0].CPR); err != nil {
		t.Fatalf("lookup with UUIDs configured in upper case: %v", err)
	}
	got := srv.Register.Requests()[0]
	if got.ServiceAgreementUUID != cprfake.ServiceAgreementUUID || got.UserSystemUUID != cprfake.UserSystemUUID ||
		got.UserUUID != cprfake.UserUUID || got.ServiceUUID != cpr.ServiceUUID {
		t.Errorf("sent %+v", got)
	}
}

// A request the v5 schema refuses gets the fake's fault, not an answer: an
// upper-case UUID that slipped past the client (here written by hand).
func TestFakeRefusesAnUpperCaseUUID(t *testing.T) {
	env, err := cpr.EncodeRequest(cprfake.CVR, cpr.InvocationContext{
		ServiceAgreementUUID: cprfake.ServiceAgreementUUID, UserSystemUUID: strings.ToUpper(cprfake.UserSystemUUID),
		UserUUID: cprfake.UserUUID, ServiceUUID: cpr.ServiceUUID,
	}, "0101704001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cpr.DecodeResponse(models.CPR{}, 500, mustServe(t, env)); err == nil || !strings.Contains(err.Error(), "lower-case UUID") {
		t.Errorf("err = %v, want the fake's fault about the UUID", err)
	}
}

// The eligibility rule for guardianship, read from the wire, at every
// election type (DOMAIN.md, "Eligibility"): full guardianship (VærgemålType
// FULD, or a record without the element read as v4 meant it) takes the vote
// at a Folketingsvalg and a folkeafstemning; partial guardianship (DELVIS)
// takes it nowhere; at Kommunal- og regionsrådsvalg and
// Europa-Parlamentsvalg guardianship is irrelevant.
func TestGuardianshipEligibilityAtEachElectionType(t *testing.T) {
	const record = "<ns5:umyndiggoerelse>\n          <ns5:umyndiggorelseRelationType>1</ns5:umyndiggorelseRelationType>\n          <ns5:relationPersonnummer>0101704999</ns5:relationPersonnummer>\n          <ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato>\n          <ns5:umyndiggjort>false</ns5:umyndiggjort>\n        </ns5:umyndiggoerelse>"
	if !strings.Contains(realisticResponse, record) {
		t.Fatal("the sample's umyndiggoerelse changed")
	}
	umyndig := func(kind, umyndiggjort, slettet string) string {
		s := "<ns5:umyndiggoerelse>"
		if kind != "" {
			s += "<ns5:VærgemålType>" + kind + "</ns5:VærgemålType>"
		}
		s += "<ns5:umyndiggoerelseStartdato><ns5:dato>2020-05-01+02:00</ns5:dato></ns5:umyndiggoerelseStartdato>"
		if slettet != "" {
			s += "<ns5:umyndiggoerelseSlettedato>" + slettet + "</ns5:umyndiggoerelseSlettedato>"
		}
		if umyndiggjort != "" {
			s += "<ns5:umyndiggjort>" + umyndiggjort + "</ns5:umyndiggjort>"
		}
		return s + "</ns5:umyndiggoerelse>"
	}
	const g = models.IneligibleGuardianship
	kinds := []models.ElectionKind{models.Folketingsvalg, models.Folkeafstemning, models.Kommunalvalg, models.EuropaParlamentsvalg}
	cases := []struct {
		name   string
		record string
		want   [4]string // FV, FA, KV, EP
	}{
		{"FULD", umyndig("FULD", "true", ""), [4]string{g, g, "", ""}},
		{"FULD, umyndiggjort=false", umyndig("FULD", "false", ""), [4]string{g, g, "", ""}},
		{"FULD, umyndiggjort missing", umyndig("FULD", "", ""), [4]string{g, g, "", ""}},
		{"DELVIS", umyndig("DELVIS", "true", ""), [4]string{}},
		{"DELVIS, umyndiggjort=false", umyndig("DELVIS", "false", ""), [4]string{}},
		{"FULD lifted", umyndig("FULD", "true", "2024-01-01"), [4]string{}},
		{"no VærgemålType, umyndiggjort=true (v4)", umyndig("", "true", ""), [4]string{g, g, "", ""}},
		{"no VærgemålType, umyndiggjort missing (v4: fails closed)", umyndig("", "", ""), [4]string{g, g, "", ""}},
		{"no VærgemålType, umyndiggjort=false (v4)", umyndig("", "false", ""), [4]string{}},
		{"no VærgemålType, lifted (v4)", umyndig("", "true", "2024-01-01"), [4]string{}},
		{"no umyndiggoerelse", "", [4]string{}},
	}
	schema := "" // the samples are validated too, where xmllint and the schemas are at hand
	if _, err := exec.LookPath("xmllint"); err == nil && xsdcheck.Dir() != "" {
		schema = xsdcheck.Schema(t, msgSchema)
	}
	number := cprfake.FixtureCPR(born1970, 4001)
	for _, tc := range cases {
		doc := strings.Replace(realisticResponse, record, tc.record, 1)
		if schema != "" {
			payload, err := cprfake.Payload([]byte(doc), cpr.NSService, "PersonLookupResponse")
			if err != nil {
				t.Fatal(err)
			}
			if err := xsdcheck.Validate(schema, payload); err != nil {
				t.Errorf("%s: the sample is not valid: %v", tc.name, err)
			}
		}
		p, err := cpr.DecodeResponse(number, 200, []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, kind := range kinds {
			var codes []string
			for _, r := range models.CheckEligibility(kind, electionDay, home, p.PersonFacts, true) {
				codes = append(codes, r.Code)
			}
			if got := strings.Join(codes, ","); got != tc.want[i] {
				t.Errorf("%s at %s: %q, want %q", tc.name, kind, got, tc.want[i])
			}
		}
	}
}

// mustServe posts a PersonLookup envelope to a fake register (no TLS) and
// returns its answer.
func mustServe(t *testing.T, env []byte) []byte {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, cpr.EndpointPath, bytes.NewReader(env))
	r.Header.Set("SOAPAction", `"`+cpr.SOAPAction+`"`)
	w := httptest.NewRecorder()
	cprfake.NewRegister(cprfake.FixturePeople(home, electionDay)...).ServeHTTP(w, r)
	if w.Code == http.StatusOK {
		t.Errorf("the fake answered %d", w.Code)
	}
	return w.Body.Bytes()
}
