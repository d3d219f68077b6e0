package cprfake_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

// request is a PersonLookupRequest (v5) written by hand, with prefixes as a
// Java client would write them; an empty cvr or uuid leaves its element
// empty.
func request(cvr, uuid, pnr string) []byte { return requestIn(v5, cvr, uuid, pnr) }

const (
	v4 = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/4/"
	v5 = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/"
)

func requestIn(ns, cvr, uuid, pnr string) []byte {
	inv := ""
	for _, name := range []string{"ServiceAgreementUUID", "UserSystemUUID", "UserUUID", "ServiceUUID"} {
		inv += "<inv:" + name + ">" + uuid + "</inv:" + name + ">"
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ns="` + ns + `"
    xmlns:aut="http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
    xmlns:inv="http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
    xmlns:pnr="http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/">
  <soapenv:Header/>
  <soapenv:Body>
    <ns:PersonLookupRequest>
      <aut:AuthorityContext><aut:MunicipalityCVR>` + cvr + `</aut:MunicipalityCVR></aut:AuthorityContext>
      <inv:InvocationContext>` + inv + `</inv:InvocationContext>
      <pnr:PNR>` + pnr + `</pnr:PNR>
    </ns:PersonLookupRequest>
  </soapenv:Body>
</soapenv:Envelope>`)
}

// movePNRFirst puts the PNR before the AuthorityContext, against the
// schema's sequence.
func movePNRFirst(req []byte, pnr string) []byte {
	el := []byte("<pnr:PNR>" + pnr + "</pnr:PNR>")
	req = bytes.Replace(req, el, nil, 1)
	return bytes.Replace(req, []byte("<aut:AuthorityContext>"), append(el, "<aut:AuthorityContext>"...), 1)
}

func TestRefusesIncompleteRequests(t *testing.T) {
	people := cprfake.FixturePeople("0607", models.Date{})
	f := cprfake.NewRegister(people...)
	post := func(body []byte, action string) (int, string) {
		r := httptest.NewRequest(http.MethodPost, cpr.EndpointPath, bytes.NewReader(body))
		r.Header.Set("SOAPAction", action)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	const uuid = cprfake.ServiceAgreementUUID
	upper := strings.ToUpper(cprfake.UserSystemUUID) // …05A1
	pnr := people[0].CPR.Digits()
	cases := []struct {
		name, action, want string
		body               []byte
	}{
		{"no CVR", cpr.SOAPAction, "MunicipalityCVR", request("", uuid, pnr)},
		{"CVR not 8 digits", cpr.SOAPAction, "MunicipalityCVR", request("1234", uuid, pnr)},
		{"no UUIDs", cpr.SOAPAction, "InvocationContext", request(cprfake.CVR, "", pnr)},
		{"wrong action", "urn:other", "SOAPAction", request(cprfake.CVR, uuid, pnr)},
		{"PNR with a dash", cpr.SOAPAction, "PNR must be 10 digits", request(cprfake.CVR, uuid, "010170-4001")},
		{"not a request", cpr.SOAPAction, "Malformed", []byte("<x/>")},
		// What the v5 schemas refuse:
		{"a version 4 request", cpr.SOAPAction, "PersonBaseDataExtended version 5", requestIn(v4, cprfake.CVR, uuid, pnr)},
		{"an upper-case UUID", cpr.SOAPAction, "InvocationContext/ServiceAgreementUUID is not a lower-case UUID",
			request(cprfake.CVR, upper, pnr)},
		{"the version 4 SOAPAction", strings.Replace(cpr.SOAPAction, "/5/", "/4/", 1), "SOAPAction", request(cprfake.CVR, uuid, pnr)},
		{"PNR before the contexts", cpr.SOAPAction, "unexpected element",
			movePNRFirst(request(cprfake.CVR, uuid, pnr), pnr)},
		{"an unknown context element", cpr.SOAPAction, "InvocationContext: unexpected element",
			bytes.Replace(request(cprfake.CVR, uuid, pnr), []byte("</inv:InvocationContext>"), []byte("<inv:Extra>x</inv:Extra></inv:InvocationContext>"), 1)},
		{"a context element twice", cpr.SOAPAction, "MunicipalityCVR appears twice",
			bytes.Replace(request(cprfake.CVR, uuid, pnr), []byte("</aut:AuthorityContext>"), []byte("<aut:MunicipalityCVR>12345678</aut:MunicipalityCVR></aut:AuthorityContext>"), 1)},
		{"AccountingInfo too long", cpr.SOAPAction, "AccountingInfo is longer than 255",
			bytes.Replace(request(cprfake.CVR, uuid, pnr), []byte("</inv:InvocationContext>"), []byte("<inv:AccountingInfo>"+strings.Repeat("x", 256)+"</inv:AccountingInfo></inv:InvocationContext>"), 1)},
	}
	recorded := 0
	for _, tc := range cases {
		code, body := post(tc.body, tc.action)
		if code != http.StatusInternalServerError || !strings.Contains(body, tc.want) || !strings.Contains(body, "soap:Client") {
			t.Errorf("%s: %d %s", tc.name, code, body)
		}
		if tc.name != "not a request" && tc.name != "a version 4 request" {
			recorded++
		}
	}
	// A refused request is refused before any scripted answer.
	f.RespondNext(1, http.StatusOK, []byte("scripted"))
	if code, body := post(request(cprfake.CVR, upper, pnr), cpr.SOAPAction); code != http.StatusInternalServerError ||
		!strings.Contains(body, "INVOCATION_CONTEXT_INVALID") {
		t.Errorf("upper-case UUID with a scripted answer: %d %s", code, body)
	}
	if code, body := post(request(cprfake.CVR, uuid, pnr), cpr.SOAPAction); code != http.StatusOK || body != "scripted" {
		t.Errorf("the scripted answer, for the next good request: %d %s", code, body)
	}
	recorded += 2
	// Version 4's endpoint path is not served.
	if r := httptest.NewRequest(http.MethodPost, strings.Replace(cpr.EndpointPath, "/5", "/4", 1), bytes.NewReader(request(cprfake.CVR, uuid, pnr))); true {
		r.Header.Set("SOAPAction", cpr.SOAPAction)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		if w.Code != http.StatusNotFound {
			t.Errorf("the v4 path: %d", w.Code)
		}
	}
	if code, body := post(request(cprfake.CVR, uuid, pnr), `"`+cpr.SOAPAction+`"`); code != http.StatusOK || !strings.Contains(body, "Ærø") {
		t.Errorf("complete request: %d %s", code, body)
	}
	// Every request but the malformed ones is recorded, as parsed.
	if got := f.Requests(); len(got) != recorded+1 || got[len(got)-1].PNR != pnr || got[len(got)-1].MunicipalityCVR != cprfake.CVR ||
		got[len(got)-1].ServiceUUID != uuid {
		t.Errorf("requests as parsed: %+v", got)
	}
	if r := httptest.NewRequest(http.MethodGet, cpr.EndpointPath, nil); true {
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d", w.Code)
		}
	}
}

// The answer follows the schema's conventions: xsd integers without leading
// zeros, qualified children, a fault with a ServiceplatformFault detail.
func TestAnswersOnTheWire(t *testing.T) {
	people := cprfake.FixturePeople("0607", models.Date{})
	body, err := cprfake.ResponseBody(people[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<PersonLookupResponse xmlns="http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/">`,
		`<personnummer>` + people[0].CPR.Digits() + `</personnummer>`,
		`<status><status>1</status>`,
		`<kommunekode>607</kommunekode>`,
		`<tilmeldtDigitalpost>true</tilmeldtDigitalpost>`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("response lacks %s:\n%s", want, body)
		}
	}
	fault, err := cprfake.FaultBody("Client", "PNR not found", "PNR_NOT_FOUND")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<faultcode xmlns="">soap:Client</faultcode>`,
		`<ServiceplatformFault xmlns="http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"><ErrorList><Error><ErrorCode>PNR_NOT_FOUND</ErrorCode>`,
	} {
		if !bytes.Contains(fault, []byte(want)) {
			t.Errorf("fault lacks %s:\n%s", want, fault)
		}
	}
}

// FixturePeople's numbers parse and are unique; the two 18-year-olds turn 18
// on and after the election day.
func TestFixturePeople(t *testing.T) {
	day := models.Date{Year: 2027, Month: time.January, Day: 19}
	seen := map[string]bool{}
	for _, p := range cprfake.FixturePeople("999", day) {
		if seen[p.CPR.Digits()] {
			t.Errorf("%s %s: number repeated", p.GivenName, p.Surname)
		}
		seen[p.CPR.Digits()] = true
		if p.Status == "01" && p.GivenName != "Niels" && p.MunicipalityCode != "0999" {
			t.Errorf("%s %s lives in %q, want 0999", p.GivenName, p.Surname, p.MunicipalityCode)
		}
		if p.GivenName == "Freja" && p.CPR.BirthDate() != models.NewDate(2009, time.January, 19) {
			t.Errorf("Freja born %v", p.CPR.BirthDate())
		}
	}
	if c := cprfake.FixtureCPR(models.Date{Year: 1970, Month: time.January, Day: 1}, 4001); c.Digits() != "0101704001" {
		t.Errorf("FixtureCPR = %s", c.Digits())
	}
}
