package cprfake

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/models"
)

// The published schemas (../shared/xsd), relative to xsdcheck.Dir.
const (
	msgSchema   = "sf1520-v5-arranged/PersonBaseDataExtendedServiceMsg.xsd"
	faultSchema = "sf1520-v5-arranged/sp/ServiceplatformFault_1.xsd"
	nsFault     = "http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"
)

// goodRequest is a complete v5 PersonLookupRequest with prefixes declared on
// the envelope, as a Java client writes it.
func goodRequest() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ns="` + nsService + `" xmlns:cc="` + nsCallContext + `"
    xmlns:aut="` + nsAuthority + `" xmlns:inv="` + nsInvocation + `" xmlns:pnr="` + nsPNR + `">
  <soapenv:Header/>
  <soapenv:Body>
    <ns:PersonLookupRequest>
      <cc:CallContext><cc:AccountingInfo>valg</cc:AccountingInfo></cc:CallContext>
      <aut:AuthorityContext><aut:MunicipalityCVR>12345678</aut:MunicipalityCVR></aut:AuthorityContext>
      <inv:InvocationContext>
        <inv:ServiceAgreementUUID>` + ServiceAgreementUUID + `</inv:ServiceAgreementUUID>
        <inv:UserSystemUUID>` + UserSystemUUID + `</inv:UserSystemUUID>
        <inv:UserUUID>` + UserUUID + `</inv:UserUUID>
        <inv:ServiceUUID>e6be2436-bf35-4df2-83fe-925142825dc2</inv:ServiceUUID>
        <inv:AccountingInfo>valg</inv:AccountingInfo>
      </inv:InvocationContext>
      <pnr:PNR>0101704001</pnr:PNR>
    </ns:PersonLookupRequest>
  </soapenv:Body>
</soapenv:Envelope>`
}

// requestVariants are requests the v5 schemas accept (want "") or refuse
// (want: what the fake's fault says).
func requestVariants() []struct{ name, doc, want string } {
	g := goodRequest()
	r := func(old, new string) string {
		if !strings.Contains(g, old) {
			panic("variant: nothing to replace: " + old)
		}
		return strings.Replace(g, old, new, 1)
	}
	return []struct{ name, doc, want string }{
		{"complete", g, ""},
		{"no CallContext", r(`<cc:CallContext><cc:AccountingInfo>valg</cc:AccountingInfo></cc:CallContext>`, ""), ""},
		{"InvocationContext children in another order (xsd:all)",
			strings.Replace(r(`<inv:ServiceUUID>e6be2436-bf35-4df2-83fe-925142825dc2</inv:ServiceUUID>`, ""),
				`<inv:ServiceAgreementUUID>`, `<inv:ServiceUUID>e6be2436-bf35-4df2-83fe-925142825dc2</inv:ServiceUUID><inv:ServiceAgreementUUID>`, 1), ""},
		{"ServiceAgreementUUID missing", r(`<inv:ServiceAgreementUUID>`+ServiceAgreementUUID+`</inv:ServiceAgreementUUID>`, ""),
			"InvocationContext/ServiceAgreementUUID missing"},
		{"version 4 namespace", strings.ReplaceAll(g, nsService, strings.Replace(nsService, "/5/", "/4/", 1)), "PersonBaseDataExtended version 5"},
		{"upper-case UUID", r(UserSystemUUID, strings.ToUpper(UserSystemUUID)), "UserSystemUUID is not a lower-case UUID"},
		{"UUID without dashes", r(UserUUID, strings.ReplaceAll(UserUUID, "-", "")), "UserUUID is not a lower-case UUID"},
		{"CVR of 7 digits", r("12345678", "1234567"), "MunicipalityCVR is not 8 digits"},
		{"CVR missing", r(`<aut:MunicipalityCVR>12345678</aut:MunicipalityCVR>`, ""), "MunicipalityCVR missing"},
		{"PNR of 11 characters", r("0101704001", "010170-4001"), "PNR must be 10 digits"},
		{"PNR missing", r(`<pnr:PNR>0101704001</pnr:PNR>`, ""), "PNR missing"},
		{"PNR in the wrong namespace", r(`<pnr:PNR>0101704001</pnr:PNR>`, `<ns:PNR>0101704001</ns:PNR>`), "unexpected element"},
		{"PNR first", strings.Replace(r(`<pnr:PNR>0101704001</pnr:PNR>`, ""), `<cc:CallContext>`, `<pnr:PNR>0101704001</pnr:PNR><cc:CallContext>`, 1), "unexpected element"},
		{"AuthorityContext after InvocationContext",
			strings.Replace(r(`<aut:AuthorityContext><aut:MunicipalityCVR>12345678</aut:MunicipalityCVR></aut:AuthorityContext>`, ""),
				`<pnr:PNR>`, `<aut:AuthorityContext><aut:MunicipalityCVR>12345678</aut:MunicipalityCVR></aut:AuthorityContext><pnr:PNR>`, 1),
			"unexpected element"},
		{"unknown element in the request", r(`<pnr:PNR>`, `<ns:Extra/><pnr:PNR>`), "unexpected element"},
		{"unknown InvocationContext child", r(`<inv:AccountingInfo>`, `<inv:Extra>x</inv:Extra><inv:AccountingInfo>`), "InvocationContext: unexpected element"},
		{"AccountingInfo of 256 characters", r(`<inv:AccountingInfo>valg`, `<inv:AccountingInfo>`+strings.Repeat("v", 256)), "AccountingInfo is longer than 255"},
		{"CallContext child twice", r(`</cc:CallContext>`, `<cc:AccountingInfo>x</cc:AccountingInfo></cc:CallContext>`), "AccountingInfo appears twice"},
		{"UUID with blanks around it", r(`>`+UserUUID+`<`, `> `+UserUUID+` <`), "UserUUID is not a lower-case UUID"},
	}
}

// The fake's Go check of a request agrees with xmllint and the published
// schemas, on a valid request and on every kind of refusal.
func TestRequestCheckAgreesWithThePublishedSchema(t *testing.T) {
	schema := xsdcheck.Schema(t, msgSchema)
	for _, v := range requestVariants() {
		t.Run(v.name, func(t *testing.T) {
			err := checkRequestSchema([]byte(v.doc))
			switch {
			case v.want == "" && err != nil:
				t.Errorf("the fake refuses a valid request: %v", err)
			case v.want != "" && (err == nil || !strings.Contains(err.Error(), v.want)):
				t.Errorf("the fake's check = %v, want %q", err, v.want)
			}
			var payloadNS = nsService
			if strings.Contains(v.name, "version 4") {
				payloadNS = strings.Replace(nsService, "/5/", "/4/", 1)
			}
			payload, perr := Payload([]byte(v.doc), payloadNS, "PersonLookupRequest")
			if perr != nil {
				t.Fatal(perr)
			}
			xerr := xsdcheck.Validate(schema, payload)
			if (xerr == nil) != (v.want == "") {
				t.Errorf("xmllint: %v; the fake: %v\n%s", xerr, err, payload)
			}
		})
	}
}

// Every answer of the fake — a PersonLookupResponse about each fixture
// person, each fault it sends — is valid against the published schemas;
// and a broken answer of each kind is refused by them, so the check cannot
// pass vacuously.
func TestAnswersConformToThePublishedSchema(t *testing.T) {
	msg := xsdcheck.Schema(t, msgSchema)
	fault := xsdcheck.Schema(t, faultSchema)

	sawFull, sawPartial := false, false
	for _, day := range []models.Date{{}, {Year: 2024, Month: time.June, Day: 9}} {
		for _, p := range FixturePeople("0607", day) {
			sawFull = sawFull || p.FullGuardianship
			sawPartial = sawPartial || p.PartialGuardianship
			body, err := ResponseBody(p)
			if err != nil {
				t.Fatal(err)
			}
			payload, err := Payload(body, nsService, "PersonLookupResponse")
			if err != nil {
				t.Fatal(err)
			}
			if err := xsdcheck.Validate(msg, payload); err != nil {
				t.Errorf("%s %s: %v", p.GivenName, p.Surname, err)
			}
		}
	}
	if !sawFull || !sawPartial {
		t.Errorf("the fixture people lack full (%t) or partial (%t) guardianship", sawFull, sawPartial)
	}

	// Every fault the fake answers with: a refused request of each kind,
	// an unknown number, a scripted failure.
	f := NewRegister(FixturePeople("0607", models.Date{})...)
	post := func(doc string) []byte {
		r := httptest.NewRequest(http.MethodPost, endpointPath, strings.NewReader(doc))
		r.Header.Set("SOAPAction", `"`+soapAction+`"`)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		return w.Body.Bytes()
	}
	var faults [][]byte
	for _, v := range requestVariants() {
		if v.want != "" {
			faults = append(faults, post(v.doc))
		}
	}
	faults = append(faults, post(strings.Replace(goodRequest(), "0101704001", "0101709999", 1)))
	f.FailNext(1, http.StatusServiceUnavailable, "Service unavailable")
	faults = append(faults, post(goodRequest()))
	faults = append(faults, post("<not-soap/>"))
	for _, body := range faults {
		payload, err := Payload(body, nsFault, "ServiceplatformFault")
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		if err := xsdcheck.Validate(fault, payload); err != nil {
			t.Errorf("%v", err)
		}
	}

	// One broken document per schema.
	good, _ := ResponseBody(FixturePeople("0607", models.Date{})[5]) // Åse Østergaard, FULD
	payload, _ := Payload(good, nsService, "PersonLookupResponse")
	if !bytes.Contains(payload, []byte("<VærgemålType>FULD</VærgemålType>")) {
		t.Fatalf("Åse's answer has no VærgemålType FULD:\n%s", payload)
	}
	for name, broken := range map[string][]byte{
		"VærgemålType PARTIAL": bytes.Replace(payload, []byte(">FULD<"), []byte(">PARTIAL<"), 1),
		"VærgemålType after the start date": bytes.Replace(bytes.Replace(payload, []byte("<VærgemålType>FULD</VærgemålType>"), nil, 1),
			[]byte("<umyndiggjort>"), []byte("<VærgemålType>FULD</VærgemålType><umyndiggjort>"), 1),
		"no antalBoernUnder18": bytes.Replace(payload, []byte("<antalBoernUnder18>0</antalBoernUnder18>"), nil, 1),
		"version 4 namespace":  bytes.Replace(payload, []byte("/5/"), []byte("/4/"), 1),
	} {
		if err := xsdcheck.Validate(msg, broken); err == nil {
			t.Errorf("%s: the schema accepts a broken answer:\n%s", name, broken)
		}
	}
	fb, _ := FaultBody("Client", "x", "X")
	fp, _ := Payload(fb, nsFault, "ServiceplatformFault")
	if err := xsdcheck.Validate(fault, bytes.Replace(fp, []byte("<ErrorText>x</ErrorText>"), nil, 1)); err == nil {
		t.Errorf("the fault schema accepts an Error without ErrorText")
	}
	if err := xsdcheck.Validate(fault, fp); err != nil {
		t.Errorf("the fault itself: %v", err)
	}
}
