package cpr

// The SF1520 wire format: PersonBaseDataExtended VERSION 5, SOAP 1.1,
// document/literal.
//
// SETTLED BY THE PUBLISHED SCHEMAS (../shared/xsd/sf1520-v5, KOMBIT's demo
// client Serviceplatformen/demoservice-client-net @ a3d9ec66, the contract
// OS2valghalla 3 uses too; conformance_test.go and fakes/cprfake's
// schema_test.go validate with xmllint against them):
//
//   - PersonBaseDataExtendedService.wsdl: operation PersonLookup, SOAP 1.1
//     binding, style document, use literal, soapAction
//     "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/PersonLookup",
//     faults are spf:ServiceplatformFault
//     (http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/),
//     endpoint path /service/CPR/PersonBaseDataExtended/5 (KOMBIT's demo
//     client calls https://exttest.serviceplatformen.dk/service/CPR/PersonBaseDataExtended/5).
//   - PersonBaseDataExtendedServiceMsg.xsd: request element PersonLookupRequest
//     and response element PersonLookupResponse in the target namespace
//     http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/
//     (elementFormDefault="qualified"); the request is the sequence
//     callctx:CallContext?, autctx:AuthorityContext?, invctx:InvocationContext?,
//     cpr:PNR with the namespaces .../schemas/CallContext/1/,
//     .../schemas/AuthorityContext/1/, .../schemas/InvocationContext/1/ and
//     .../schemas/cpr/PNR/1/ (PNR: a string of at most 10 characters); the
//     response is persondata?, adresse?, relationer?, notater*. A v4
//     namespace is another element: a v4 answer is refused (ResponseError).
//   - AuthorityContext_1.xsd and InvocationContext_1.xsd: their children are
//     qualified in their namespaces (elementFormDefault="qualified");
//     MunicipalityCVR is [0-9]{8}; ServiceAgreementUUID, UserSystemUUID,
//     UserUUID and ServiceUUID are required, UUIDtype
//     [a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12} — lower case
//     only, so NewClient sends the configured UUIDs in lower case;
//     AccountingInfo is at most 255 characters. Sending AuthorityContext and
//     InvocationContext together is valid against the schema.
//   - PersonBaseDataExtendedServiceTypes.xsd: every element name and its
//     order used below: persondata/{personnummer, navn/{personadresseringsnavn,
//     fornavn, mellemnavn, efternavn}, foedselsdato/dato, koen (K|M),
//     antalBoernUnder18, status/{status (xsd:int 1,3,5,7,20,30,50,60,70,80,90 —
//     no leading zero), statusdato/dato (xsd:dateTime)},
//     statsborgerskab/landekode (xsd:integer), umyndiggoerelse/{…,
//     VærgemålType (v5: FULD | DELVIS, "Angivelse om fuld eller delvis
//     værgemål"), umyndiggoerelseStartdato, umyndiggoerelseSlettedato,
//     umyndiggjort (xsd:boolean)}, adressebeskyttelse/{startdato, slutdato,
//     beskyttet (xsd:boolean)}, tilmeldtDigitalpost (xsd:boolean)};
//     adresse/{aktuelAdresse/{kommunekode (xsd:integer, so 607 for 0607), …,
//     distrikter/{…, valgdistriktKode (xsd:integer), valgdistrikt},
//     AdresseUUID (v5)}, udrejseoplysninger/{udrejselandekode, udrejsedato}}.
//     v5 also adds persondata/DeltBopælMarkering and DeltBopælStartDato
//     (not read).
//   - ServiceplatformFault_1.xsd: ServiceplatformFault/ErrorList/Error/
//     {ErrorCode, ErrorText}, qualified in the fault namespace.
//
// VERIFIED ELSEWHERE (public code, read through the project's code search):
//
//   - itk-dev/serviceplatformen service.properties (v4 contract): service
//     UUID e6be2436-bf35-4df2-83fe-925142825dc2 (KMD's Logic documentation
//     links the PersonBaseDataExtended service under the same UUID).
//   - OS2Valghalla/OS2valghalla-3, Valghalla.Integration.CPR.CPRService (the
//     predecessor's SF1520 client): the municipality's CVR goes in
//     AuthorityContext/MunicipalityCVR; given name = fornavn + " " +
//     mellemnavn; kommunekode is left-padded to 4 digits; umyndiggjort = true
//     means "frataget valgretten"; tilmeldtDigitalpost = false means exempt
//     from Digital Post (absent: not exempt); adressebeskyttelse/beskyttet.
//   - os2web_datalookup ServiceplatformenBase + ServiceplatformenCPRExtended
//     (OS2forms): with a plain client certificate the request carries
//     InvocationContext {ServiceAgreementUUID, UserSystemUUID, UserUUID,
//     ServiceUUID, AccountingInfo} and PNR without a dash; landekode 5100 is
//     Denmark; foedselsdato/dato comes as a date with a zone offset
//     ("Y-m-dP"), statsborgerskabDato/dato as an RFC 3339 dateTime with
//     milliseconds.
//   - itk-dev/serviceplatformen PersonBaseDataExtendedService: an unknown
//     number comes back as a SOAP fault whose message contains "PNR not
//     found".
//
// ASSUMED (not settled by the schemas nor public code; check against the
// exttest.serviceplatformen.dk test environment before go-live):
//
//   - The service UUID is unchanged in version 5 (the v5 package's
//     service.properties is not among the published files), and the plain
//     client-certificate call (InvocationContext, no STS token) is still
//     offered for v5: KOMBIT's v5 demo client fetches a token from the STS
//     for the service's entity ID (EntityID; service.entityID in the
//     contract's sp/service.properties), which this client does not do.
//   - Serviceplatformen accepts AuthorityContext and InvocationContext
//     together (the schema allows it; the references each send one).
//   - Children of persondata/adresse are read by local name only (the
//     operation element PersonLookupResponse is checked against the v5
//     namespace); fakes/cprfake writes them qualified, as the schema says.
//   - "Not found" is recognised only by "PNR not found" in faultstring or an
//     ErrorText (case-insensitive); its exact ErrorCode is unknown. Any other
//     fault is a FaultError. The fake's ErrorCodes (REQUEST_INVALID,
//     INVOCATION_CONTEXT_INVALID, …) are its own.
//   - SOAP faults arrive with HTTP 500 (SOAP 1.1); a fault is an answer and is
//     not retried, while 502/503/504 (with or without a fault body), 429, a
//     500 without a fault, and connection errors are.
//   - ResidentSince: SF1520 has no "resident in Denmark since". The date of the
//     current status (status/statusdato) is used when that status is active
//     (01/03/05/07): it changes when a person immigrates (80 → 01). It may be
//     later than the true start (a change between active codes resets it),
//     which errs towards "not 4 years yet", i.e. fails closed.
//   - Guardianship: an umyndiggoerelse with umyndiggoerelseSlettedato is
//     lifted (nothing). Otherwise VærgemålType decides when present — FULD →
//     FullGuardianship, DELVIS → PartialGuardianship (which takes no vote,
//     DOMAIN.md), another value → ResponseError — whatever umyndiggjort says.
//     A record without VærgemålType is read as the published v4 meaning was:
//     umyndiggjort not false → FullGuardianship (fails closed when
//     umyndiggjort is missing). That the register fills VærgemålType for
//     every current record is not known.
//   - adressebeskyttelse present and beskyttet not false → ProtectedAddress
//     (errs towards protecting; slutdato is not evaluated).
//   - PollingDistrict is distrikter/valgdistriktKode of the current address,
//     taken to be the afstemningsområde number.
//   - Request and response are UTF-8 (Magenta's client sends Latin-1; the
//     request holds ASCII only unless AccountingInfo does not, and the XML
//     declaration names the encoding).

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valghalla/valghalla/models"
)

const (
	nsSOAP       = "http://schemas.xmlsoap.org/soap/envelope/"
	nsService    = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/"
	nsPNR        = "http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/"
	nsInvocation = "http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
	nsAuthority  = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
	nsFault      = "http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"

	// VærgemålType's values (SF1520 v5, VærgemålTypeType).
	vaergemaalFuld   = "FULD"
	vaergemaalDelvis = "DELVIS"

	// SOAPAction is the action of PersonLookup (sent quoted, as SOAP 1.1 has it).
	SOAPAction = nsService + "PersonLookup"

	// ServiceUUID is SF1520 PersonBaseDataExtended's service UUID.
	ServiceUUID = "e6be2436-bf35-4df2-83fe-925142825dc2"

	// EndpointPath is the path of the service on Serviceplatformen, e.g.
	// https://exttest.serviceplatformen.dk/service/CPR/PersonBaseDataExtended/5.
	EndpointPath = "/service/CPR/PersonBaseDataExtended/5"

	// EntityID is the v5 service's entity id, what a token from
	// Serviceplatformen's STS is asked for (AppliesTo): the value KOMBIT's
	// v5 demo client and public v5 clients use. The certificate-only call
	// this client makes sends none; a token-based call will need it.
	EntityID = "http://cpr.serviceplatformen.dk/service/personbasedataextended/5"

	contentType = "text/xml; charset=utf-8"

	// maxBody bounds what is read from either side; a PersonLookupResponse is a
	// few kilobytes.
	maxBody = 1 << 20
)

// ---- request ----

type requestEnvelope struct {
	XMLName xml.Name    `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    requestBody `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type requestBody struct {
	Request *personLookupRequest `xml:"http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/ PersonLookupRequest"`
}

type personLookupRequest struct {
	AuthorityContext  *authorityContext  `xml:"http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/ AuthorityContext"`
	InvocationContext *invocationContext `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ InvocationContext"`
	PNR               string             `xml:"http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/ PNR"`
}

type authorityContext struct {
	MunicipalityCVR string `xml:"http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/ MunicipalityCVR"`
}

type invocationContext struct {
	ServiceAgreementUUID string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ ServiceAgreementUUID"`
	UserSystemUUID       string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ UserSystemUUID"`
	UserUUID             string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ UserUUID"`
	ServiceUUID          string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ ServiceUUID"`
	AccountingInfo       string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ AccountingInfo,omitempty"`
}

// encodeRequest builds the PersonLookup envelope. Every value goes through
// encoding/xml's escaping.
func encodeRequest(cvr string, inv invocationContext, pnr string) ([]byte, error) {
	env := requestEnvelope{Body: requestBody{Request: &personLookupRequest{
		AuthorityContext:  &authorityContext{MunicipalityCVR: cvr},
		InvocationContext: &inv,
		PNR:               pnr,
	}}}
	out, err := xml.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("cpr: encoding the request: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}

// ---- response ----

type responseEnvelope struct {
	XMLName xml.Name     `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    responseBody `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type responseBody struct {
	Fault    *soapFault            `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
	Response *personLookupResponse `xml:"http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/ PersonLookupResponse"`
}

// soapFault's children are unqualified in SOAP 1.1.
type soapFault struct {
	Code   string       `xml:"faultcode"`
	String string       `xml:"faultstring"`
	Detail *faultDetail `xml:"detail"`
}

type faultDetail struct {
	Fault *spFault `xml:"http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/ ServiceplatformFault"`
}

// spFault's children are read by local name.
type spFault struct {
	ErrorList struct {
		Errors []spError `xml:"Error"`
	} `xml:"ErrorList"`
}

type spError struct {
	ErrorCode string `xml:"ErrorCode"`
	ErrorText string `xml:"ErrorText"`
}

// The response body, read by local name below PersonLookupResponse.
type personLookupResponse struct {
	Persondata *persondata  `xml:"persondata"`
	Adresse    *adressedata `xml:"adresse"`
}

type persondata struct {
	Personnummer        string           `xml:"personnummer,omitempty"`
	Navn                *navn            `xml:"navn"`
	Foedselsdato        *usikkerDato     `xml:"foedselsdato"`
	Koen                string           `xml:"koen,omitempty"`
	AntalBoernUnder18   string           `xml:"antalBoernUnder18"`
	Status              *statusType      `xml:"status"`
	Statsborgerskab     *statsborgerskab `xml:"statsborgerskab"`
	Umyndiggoerelse     *umyndiggoerelse `xml:"umyndiggoerelse"`
	Adressebeskyttelse  *beskyttelse     `xml:"adressebeskyttelse"`
	TilmeldtDigitalpost *string          `xml:"tilmeldtDigitalpost"`
}

type navn struct {
	Personadresseringsnavn string `xml:"personadresseringsnavn"`
	Fornavn                string `xml:"fornavn,omitempty"`
	Mellemnavn             string `xml:"mellemnavn,omitempty"`
	Efternavn              string `xml:"efternavn,omitempty"`
}

type usikkerDato struct {
	Dato string `xml:"dato"`
}

type statusType struct {
	Status     string       `xml:"status"`
	Statusdato *usikkerDato `xml:"statusdato"`
}

type statsborgerskab struct {
	Landekode string `xml:"landekode"`
}

type umyndiggoerelse struct {
	VaergemaalType *string     `xml:"VærgemålType"` // v5: FULD or DELVIS
	Startdato      usikkerDato `xml:"umyndiggoerelseStartdato"`
	Slettedato     string      `xml:"umyndiggoerelseSlettedato,omitempty"`
	Umyndiggjort   *string     `xml:"umyndiggjort"`
}

type beskyttelse struct {
	Startdato string  `xml:"startdato,omitempty"`
	Slutdato  string  `xml:"slutdato,omitempty"`
	Beskyttet *string `xml:"beskyttet"`
}

type adressedata struct {
	AktuelAdresse      *adresse            `xml:"aktuelAdresse"`
	Udrejseoplysninger *udrejseoplysninger `xml:"udrejseoplysninger"`
}

type adresse struct {
	Kommunekode string      `xml:"kommunekode,omitempty"`
	Distrikter  *distrikter `xml:"distrikter"`
}

type distrikter struct {
	ValgdistriktKode string `xml:"valgdistriktKode,omitempty"`
}

type udrejseoplysninger struct {
	Udrejselandekode string `xml:"udrejselandekode,omitempty"`
}

// decodeResponse turns an HTTP answer into a Person or an error. It never
// panics, whatever body it is given (FuzzParseResponse).
func decodeResponse(requested models.CPR, status int, body []byte) (Person, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		if status < 200 || status > 299 {
			return Person{}, &HTTPError{StatusCode: status}
		}
		return Person{}, &ResponseError{HTTPStatus: status, Reason: "the body is empty"}
	}
	var env responseEnvelope
	err := xml.Unmarshal(body, &env)
	if err == nil && env.Body.Fault != nil {
		return Person{}, faultError(status, env.Body.Fault)
	}
	if status < 200 || status > 299 {
		return Person{}, &HTTPError{StatusCode: status, Body: bodySnippet(body)}
	}
	if err != nil {
		return Person{}, &ResponseError{HTTPStatus: status, Reason: "not a SOAP 1.1 envelope: " + xmlErrorText(err)}
	}
	if env.Body.Response == nil {
		return Person{}, &ResponseError{HTTPStatus: status,
			Reason: "the SOAP body holds no PersonLookupResponse in namespace " + nsService}
	}
	p, err := personFromResponse(requested, env.Body.Response)
	if err != nil {
		return Person{}, &ResponseError{HTTPStatus: status, Reason: err.Error()}
	}
	return p, nil
}

// xmlErrorText describes a decoding error without quoting the document: a
// syntax error's line and message (which names at most an element), or the
// type of the error.
func xmlErrorText(err error) string {
	switch e := err.(type) {
	case *xml.SyntaxError:
		return fmt.Sprintf("XML syntax error on line %d: %s", e.Line, e.Msg)
	case xml.UnmarshalError:
		return string(e)
	default:
		return err.Error()
	}
}

func faultError(status int, f *soapFault) *FaultError {
	e := &FaultError{
		HTTPStatus: status,
		Code:       scrub(cleanText(f.Code)),
		Message:    scrub(cleanText(f.String)),
	}
	texts := []string{f.String}
	if f.Detail != nil && f.Detail.Fault != nil {
		for _, d := range f.Detail.Fault.ErrorList.Errors {
			e.Details = append(e.Details, FaultDetail{Code: scrub(cleanText(d.ErrorCode)), Text: scrub(cleanText(d.ErrorText))})
			texts = append(texts, d.ErrorText)
		}
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), "pnr not found") {
			e.notFound = true
		}
	}
	return e
}

// cleanText collapses white space and bounds the length of a server text.
func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 500
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// bodySnippet is the start of a non-SOAP error body, for HTTPError.
func bodySnippet(body []byte) string {
	const max = 300
	if len(body) > 4*max {
		body = body[:4*max]
	}
	s := strings.ToValidUTF8(string(body), "?")
	s = cleanText(s)
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// personFromResponse maps persondata/adresse onto a Person. Errors here are
// schema violations; their texts never include a value from the response.
func personFromResponse(requested models.CPR, r *personLookupResponse) (Person, error) {
	pd := r.Persondata
	if pd == nil {
		return Person{}, fmt.Errorf("the response holds no persondata")
	}
	if pnr := strings.TrimSpace(pd.Personnummer); pnr != "" && pnr != requested.Digits() {
		return Person{}, fmt.Errorf("persondata/personnummer is not the number asked for")
	}
	p := Person{}
	p.CPR = requested

	if pd.Status != nil && strings.TrimSpace(pd.Status.Status) != "" {
		n, err := smallInt(pd.Status.Status, 99)
		if err != nil {
			return Person{}, fmt.Errorf("persondata/status/status is not a status code")
		}
		p.Status = fmt.Sprintf("%02d", n)
	}
	if pd.Statsborgerskab != nil && strings.TrimSpace(pd.Statsborgerskab.Landekode) != "" {
		n, err := smallInt(pd.Statsborgerskab.Landekode, 9999)
		if err != nil {
			return Person{}, fmt.Errorf("persondata/statsborgerskab/landekode is not a country code")
		}
		p.Citizenship = fmt.Sprintf("%04d", n)
	}
	if n := pd.Navn; n != nil {
		p.GivenName = joinNonEmpty(strings.TrimSpace(n.Fornavn), strings.TrimSpace(n.Mellemnavn))
		p.Surname = strings.TrimSpace(n.Efternavn)
		if p.GivenName == "" && p.Surname == "" {
			// personadresseringsnavn is "Efternavn,Fornavn Mellemnavn"
			surname, given, _ := strings.Cut(n.Personadresseringsnavn, ",")
			p.GivenName, p.Surname = strings.TrimSpace(given), strings.TrimSpace(surname)
		}
	}
	if u := pd.Umyndiggoerelse; u != nil {
		v, known, err := xsdBool(u.Umyndiggjort)
		if err != nil {
			return Person{}, fmt.Errorf("persondata/umyndiggoerelse/umyndiggjort is not a boolean")
		}
		lifted := strings.TrimSpace(u.Slettedato) != ""
		switch {
		case u.VaergemaalType == nil:
			// v4's meaning: a record not lifted and not umyndiggjort=false is
			// full guardianship (fails closed when umyndiggjort is missing).
			p.FullGuardianship = !lifted && (!known || v)
		case lifted:
		case strings.TrimSpace(*u.VaergemaalType) == vaergemaalFuld:
			p.FullGuardianship = true
		case strings.TrimSpace(*u.VaergemaalType) == vaergemaalDelvis:
			p.PartialGuardianship = true
		default:
			return Person{}, fmt.Errorf("persondata/umyndiggoerelse/VærgemålType is neither FULD nor DELVIS")
		}
	}
	if b := pd.Adressebeskyttelse; b != nil {
		v, known, err := xsdBool(b.Beskyttet)
		if err != nil {
			return Person{}, fmt.Errorf("persondata/adressebeskyttelse/beskyttet is not a boolean")
		}
		p.ProtectedAddress = !known || v
	}
	{
		v, known, err := xsdBool(pd.TilmeldtDigitalpost)
		if err != nil {
			return Person{}, fmt.Errorf("persondata/tilmeldtDigitalpost is not a boolean")
		}
		p.DigitalPostExempt = known && !v
	}
	if a := r.Adresse; a != nil && a.AktuelAdresse != nil {
		if k := strings.TrimSpace(a.AktuelAdresse.Kommunekode); k != "" {
			n, err := smallInt(k, 9999)
			if err != nil {
				return Person{}, fmt.Errorf("adresse/aktuelAdresse/kommunekode is not a municipality code")
			}
			p.MunicipalityCode = fmt.Sprintf("%04d", n)
		}
		if d := a.AktuelAdresse.Distrikter; d != nil {
			if k := strings.TrimSpace(d.ValgdistriktKode); k != "" {
				n, err := smallInt(k, 1<<30)
				if err != nil {
					return Person{}, fmt.Errorf("adresse/aktuelAdresse/distrikter/valgdistriktKode is not a number")
				}
				p.PollingDistrict = strconv.Itoa(n)
			}
		}
	}
	switch p.Status {
	case "01", "03", "05", "07":
		if pd.Status.Statusdato != nil && strings.TrimSpace(pd.Status.Statusdato.Dato) != "" {
			d, err := xsdDate(pd.Status.Statusdato.Dato)
			if err != nil {
				return Person{}, fmt.Errorf("persondata/status/statusdato/dato is not a date")
			}
			p.ResidentSince = d
		}
	}
	return p, nil
}

func joinNonEmpty(parts ...string) string {
	out := parts[:0:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// smallInt parses a non-negative xsd:int/xsd:integer (leading zeros and a
// plus sign allowed) no larger than max.
func smallInt(s string, max int) (int, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if s == "" || len(s) > 12 {
		return 0, fmt.Errorf("not a number")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a number")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > max {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

// xsdBool parses an optional xsd:boolean: known is false when the element is
// absent.
func xsdBool(s *string) (v, known bool, err error) {
	if s == nil {
		return false, false, nil
	}
	switch strings.TrimSpace(*s) {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, false, fmt.Errorf("not a boolean")
}

// xsdDate reads an xsd:date ("2006-01-02", optionally with a zone such as
// "+01:00" or "Z") or an xsd:dateTime as the civil date in Copenhagen.
func xsdDate(s string) (models.Date, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "T") {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			// a dateTime without a zone is a Copenhagen wall clock
			t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, models.Copenhagen)
			if err != nil {
				return models.Date{}, err
			}
		}
		return models.DateOf(t.In(models.Copenhagen)), nil
	}
	if len(s) < 10 {
		return models.Date{}, fmt.Errorf("not a date")
	}
	switch zone := s[10:]; {
	case zone == "", zone == "Z":
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':':
	default:
		return models.Date{}, fmt.Errorf("not a date")
	}
	return models.ParseDate(s[:10])
}
