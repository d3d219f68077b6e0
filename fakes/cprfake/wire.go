package cprfake

// The register's side of SF1520 PersonLookup (SOAP 1.1, document/literal),
// written here apart from the client in providers/cpr so that the two meet
// only on the wire: a mistake in one is not copied into the other. The
// sources for every name and namespace are listed in providers/cpr/wire.go;
// TestFixturePeopleRoundTripOverMutualTLS (providers/cpr) checks that the
// client reads what this writes, and the client's tests check its reading
// against a response as Serviceplatformen writes it.

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

const (
	nsSOAP    = "http://schemas.xmlsoap.org/soap/envelope/"
	nsService = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/"

	// soapAction and endpointPath are PersonBaseDataExtended version 5's
	// (PersonBaseDataExtendedService.wsdl: soap:operation soapAction,
	// soap:address), written here apart from the client's.
	soapAction   = nsService + "PersonLookup"
	endpointPath = "/service/CPR/PersonBaseDataExtended/5"

	contentType = "text/xml; charset=utf-8"
	maxBody     = 1 << 20
)

// ---- the request, as read ----

type requestEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Request *lookupRequest `xml:"http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/ PersonLookupRequest"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type lookupRequest struct {
	AuthorityContext *struct {
		MunicipalityCVR string `xml:"http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/ MunicipalityCVR"`
	} `xml:"http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/ AuthorityContext"`
	InvocationContext *struct {
		ServiceAgreementUUID string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ ServiceAgreementUUID"`
		UserSystemUUID       string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ UserSystemUUID"`
		UserUUID             string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ UserUUID"`
		ServiceUUID          string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ ServiceUUID"`
		AccountingInfo       string `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ AccountingInfo"`
	} `xml:"http://serviceplatformen.dk/xml/schemas/InvocationContext/1/ InvocationContext"`
	PNR string `xml:"http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/ PNR"`
}

func decodeRequest(body []byte) (*lookupRequest, error) {
	var env requestEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Body.Request == nil {
		return nil, fmt.Errorf("no PersonLookupRequest in namespace %s", nsService)
	}
	return env.Body.Request, nil
}

// xmlErrorText describes a decoding error without quoting the document.
func xmlErrorText(err error) string {
	if e, ok := err.(*xml.SyntaxError); ok {
		return fmt.Sprintf("XML syntax error on line %d: %s", e.Line, e.Msg)
	}
	return err.Error()
}

// ---- the response, as written ----

type responseEnvelope struct {
	XMLName    xml.Name     `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	SOAPPrefix string       `xml:"xmlns:soap,attr,omitempty"` // declares the prefix of faultcode's QName
	Body       responseBody `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type responseBody struct {
	Fault    *soapFault      `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
	Response *lookupResponse `xml:"http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/ PersonLookupResponse"`
}

// unqualified is an element SOAP 1.1 wants without a namespace inside
// soap:Fault: xmlns="" undoes the enclosing default namespace.
type unqualified struct {
	NS    string `xml:"xmlns,attr"`
	Value string `xml:",chardata"`
}

type soapFault struct {
	Code   unqualified `xml:"faultcode"`
	String unqualified `xml:"faultstring"`
	Detail struct {
		NS    string `xml:"xmlns,attr"`
		Fault struct {
			Errors []faultError `xml:"ErrorList>Error"`
		} `xml:"http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/ ServiceplatformFault"`
	} `xml:"detail"`
}

type faultError struct {
	ErrorCode string `xml:"ErrorCode"`
	ErrorText string `xml:"ErrorText"`
}

// The children of PersonLookupResponse inherit its namespace (the schema's
// elementFormDefault="qualified"), in the schema's sequence order.
type lookupResponse struct {
	Persondata *persondata `xml:"persondata"`
	Adresse    *adresse    `xml:"adresse"`
}

type dato struct {
	Dato string `xml:"dato"`
}

type persondata struct {
	Personnummer string `xml:"personnummer,omitempty"`
	Navn         struct {
		Personadresseringsnavn string `xml:"personadresseringsnavn"`
		Fornavn                string `xml:"fornavn,omitempty"`
		Efternavn              string `xml:"efternavn,omitempty"`
	} `xml:"navn"`
	Foedselsdato      *dato  `xml:"foedselsdato"`
	Koen              string `xml:"koen,omitempty"`
	AntalBoernUnder18 string `xml:"antalBoernUnder18"`
	Status            *struct {
		Status     string `xml:"status"`
		Statusdato *dato  `xml:"statusdato"`
	} `xml:"status"`
	Statsborgerskab *struct {
		Landekode string `xml:"landekode"`
	} `xml:"statsborgerskab"`
	Umyndiggoerelse    *umyndiggoerelse `xml:"umyndiggoerelse"`
	Adressebeskyttelse *struct {
		Beskyttet string `xml:"beskyttet"`
	} `xml:"adressebeskyttelse"`
	TilmeldtDigitalpost string `xml:"tilmeldtDigitalpost"`
}

// umyndiggoerelse in v5: VærgemålType (FULD or DELVIS) comes before the
// start date.
type umyndiggoerelse struct {
	VaergemaalType string `xml:"VærgemålType"`
	Startdato      dato   `xml:"umyndiggoerelseStartdato"`
	Umyndiggjort   string `xml:"umyndiggjort"`
}

type adresse struct {
	AktuelAdresse *struct {
		Kommunekode string `xml:"kommunekode"`
		Distrikter  *struct {
			ValgdistriktKode string `xml:"valgdistriktKode"`
		} `xml:"distrikter"`
	} `xml:"aktuelAdresse"`
	Udrejseoplysninger *struct {
		Udrejselandekode string `xml:"udrejselandekode"`
	} `xml:"udrejseoplysninger"`
}

// xsdDate writes a date as the register does: with Copenhagen's offset.
func xsdDate(d models.Date) string {
	return d.In(models.Copenhagen).Format("2006-01-02-07:00")
}

// xsdDateTime writes midnight of a date in Copenhagen as an xsd:dateTime.
func xsdDateTime(d models.Date) string {
	return d.In(models.Copenhagen).Format("2006-01-02T15:04:05.000-07:00")
}

// responseFor is what the register answers about p: xsd integers without
// leading zeros (municipality 607, status 1), as Serviceplatformen writes
// them.
func responseFor(p cpr.Person) *lookupResponse {
	pd := &persondata{Personnummer: p.CPR.Digits(), AntalBoernUnder18: "0"}
	pd.Navn.Personadresseringsnavn = p.Surname + "," + p.GivenName
	pd.Navn.Fornavn, pd.Navn.Efternavn = p.GivenName, p.Surname
	if !p.CPR.IsZero() {
		pd.Foedselsdato = &dato{Dato: xsdDate(p.CPR.BirthDate())}
		pd.Koen = "K"
		if p.CPR.Male() {
			pd.Koen = "M"
		}
	}
	if st := strings.TrimSpace(p.Status); st != "" {
		pd.Status = &struct {
			Status     string `xml:"status"`
			Statusdato *dato  `xml:"statusdato"`
		}{Status: withoutLeadingZeros(st)}
		if !p.ResidentSince.IsZero() {
			pd.Status.Statusdato = &dato{Dato: xsdDateTime(p.ResidentSince)}
		}
	}
	if c := strings.TrimSpace(p.Citizenship); c != "" {
		pd.Statsborgerskab = &struct {
			Landekode string `xml:"landekode"`
		}{Landekode: c}
	}
	if p.FullGuardianship || p.PartialGuardianship {
		start := models.Date{Year: 2015, Month: time.January, Day: 1}
		if !p.CPR.IsZero() { // the 18th birthday, a plausible start
			b := p.CPR.BirthDate()
			start = models.NewDate(b.Year+18, b.Month, b.Day)
		}
		// Both kinds are an umyndiggørelse (umyndiggjort=true); only
		// VærgemålType tells them apart, so the client must read it.
		kind := "FULD"
		if !p.FullGuardianship {
			kind = "DELVIS"
		}
		pd.Umyndiggoerelse = &umyndiggoerelse{VaergemaalType: kind, Startdato: dato{Dato: xsdDate(start)}, Umyndiggjort: "true"}
	}
	if p.ProtectedAddress {
		pd.Adressebeskyttelse = &struct {
			Beskyttet string `xml:"beskyttet"`
		}{Beskyttet: "true"}
	}
	pd.TilmeldtDigitalpost = strconv.FormatBool(!p.DigitalPostExempt)

	r := &lookupResponse{Persondata: pd}
	if m := strings.TrimSpace(p.MunicipalityCode); m != "" {
		r.Adresse = &adresse{}
		r.Adresse.AktuelAdresse = &struct {
			Kommunekode string `xml:"kommunekode"`
			Distrikter  *struct {
				ValgdistriktKode string `xml:"valgdistriktKode"`
			} `xml:"distrikter"`
		}{Kommunekode: withoutLeadingZeros(m)}
		if d := strings.TrimSpace(p.PollingDistrict); d != "" {
			r.Adresse.AktuelAdresse.Distrikter = &struct {
				ValgdistriktKode string `xml:"valgdistriktKode"`
			}{ValgdistriktKode: d}
		}
	}
	if strings.TrimSpace(p.Status) == "80" { // emigrated
		if r.Adresse == nil {
			r.Adresse = &adresse{}
		}
		r.Adresse.Udrejseoplysninger = &struct {
			Udrejselandekode string `xml:"udrejselandekode"`
		}{Udrejselandekode: "5999"}
	}
	return r
}

func withoutLeadingZeros(s string) string {
	if s = strings.TrimLeft(s, "0"); s == "" {
		return "0"
	}
	return s
}

// ResponseBody is the register's answer about p as it goes on the wire, for
// tests that take it apart.
func ResponseBody(p cpr.Person) ([]byte, error) {
	return encodeEnvelope(responseEnvelope{Body: responseBody{Response: responseFor(p)}})
}

// FaultBody is a SOAP 1.1 fault with a ServiceplatformFault detail, as the
// register sends it: code is "Client" or "Server".
func FaultBody(code, text, errorCode string) ([]byte, error) {
	f := &soapFault{
		Code:   unqualified{Value: "soap:" + code},
		String: unqualified{Value: text},
	}
	f.Detail.Fault.Errors = []faultError{{ErrorCode: errorCode, ErrorText: text}}
	return encodeEnvelope(responseEnvelope{SOAPPrefix: nsSOAP, Body: responseBody{Fault: f}})
}

func encodeEnvelope(env responseEnvelope) ([]byte, error) {
	out, err := xml.Marshal(env)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
