package cprfake

// What the published SF1520 v5 schemas require of a PersonLookupRequest,
// checked in Go (no xmllint at run time: `valghalla dev` runs this fake).
// The schemas are ../shared/xsd/sf1520-v5-arranged/:
//
//   - PersonBaseDataExtendedServiceMsg.xsd: PersonLookupRequest in
//     http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/
//     is the sequence callctx:CallContext?, autctx:AuthorityContext?,
//     invctx:InvocationContext?, cpr:PNR — in that order, nothing else;
//   - sp/CallContext_1.xsd: xsd:all of OnBehalfOfUser?,
//     CallersServiceCallIdentifier?, AccountingInfo? (each at most 255
//     characters);
//   - sp/AuthorityContext_1.xsd: xsd:all of MunicipalityCVR (required,
//     pattern [0-9]{8});
//   - sp/InvocationContext_1.xsd: xsd:all of ServiceAgreementUUID,
//     UserSystemUUID, UserUUID, ServiceUUID (required; UUIDtype, pattern
//     [a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}: lower case
//     only), OnBehalfOfUser?, CallersServiceCallIdentifier?, AccountingInfo?
//     (at most 255 characters);
//   - sp/PNR_1.xsd: PNR is a string of at most 10 characters (the service
//     itself wants the 10 digits, checked in ServeHTTP).
//
// Every element is qualified in its schema's namespace
// (elementFormDefault="qualified"). xsd:string keeps white space, so a
// pattern is matched against the text as it is. The conformance test
// (schema_test.go) shows that a request refused here is refused by xmllint
// with the published schemas too.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"unicode/utf8"
)

const (
	nsCallContext = "http://serviceplatformen.dk/xml/schemas/CallContext/1/"
	nsAuthority   = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
	nsInvocation  = "http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
	nsPNR         = "http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/"
)

var (
	schemaCVR  = regexp.MustCompile(`^[0-9]{8}$`)
	schemaUUID = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)
)

// schemaError is a request the schema refuses: the fault's ErrorCode and a
// text that names the element, never its value.
type schemaError struct {
	code, text string
}

func (e *schemaError) Error() string { return e.text }

// node is an element as read: its name, its text, its element children.
type node struct {
	name     xml.Name
	text     []byte
	children []*node
}

func readNode(d *xml.Decoder, start xml.StartElement, depth int) (*node, error) {
	if depth > 32 {
		return nil, fmt.Errorf("elements nested too deep")
	}
	n := &node{name: start.Name}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			c, err := readNode(d, t, depth+1)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, c)
		case xml.CharData:
			n.text = append(n.text, t...)
		case xml.EndElement:
			return n, nil
		}
	}
}

// requestElement finds PersonLookupRequest (in whichever namespace) as the
// first element of the SOAP body.
func requestElement(body []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var root *node
	for root == nil {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("no SOAP envelope")
		}
		if err != nil {
			return nil, err
		}
		if t, ok := tok.(xml.StartElement); ok {
			if root, err = readNode(d, t, 0); err != nil {
				return nil, err
			}
		}
	}
	if root.name != (xml.Name{Space: nsSOAP, Local: "Envelope"}) {
		return nil, fmt.Errorf("no SOAP 1.1 Envelope")
	}
	for _, c := range root.children {
		if c.name == (xml.Name{Space: nsSOAP, Local: "Body"}) {
			if len(c.children) == 0 {
				return nil, fmt.Errorf("the SOAP Body is empty")
			}
			return c.children[0], nil
		}
	}
	return nil, fmt.Errorf("no SOAP Body")
}

// checkRequestSchema checks the envelope's PersonLookupRequest against the
// v5 schemas (see the top of this file).
func checkRequestSchema(body []byte) error {
	req, err := requestElement(body)
	if err != nil {
		return &schemaError{"REQUEST_INVALID", "Malformed PersonLookupRequest: " + xmlErrorText(err)}
	}
	if req.name.Local != "PersonLookupRequest" || req.name.Space != nsService {
		return &schemaError{"REQUEST_INVALID", fmt.Sprintf(
			"Malformed PersonLookupRequest: the SOAP body holds {%s}%s; this is PersonBaseDataExtended version 5, which wants {%s}PersonLookupRequest",
			req.name.Space, req.name.Local, nsService)}
	}
	if !blank(req.text) {
		return &schemaError{"REQUEST_INVALID", "Malformed PersonLookupRequest: text outside its elements"}
	}
	order := []xml.Name{
		{Space: nsCallContext, Local: "CallContext"},
		{Space: nsAuthority, Local: "AuthorityContext"},
		{Space: nsInvocation, Local: "InvocationContext"},
		{Space: nsPNR, Local: "PNR"},
	}
	next, sawPNR := 0, false
	for _, c := range req.children {
		i := next
		for i < len(order) && order[i] != c.name {
			i++
		}
		if i == len(order) {
			return &schemaError{"REQUEST_INVALID", fmt.Sprintf(
				"Malformed PersonLookupRequest: unexpected element {%s}%s (the sequence is CallContext?, AuthorityContext?, InvocationContext?, PNR)",
				c.name.Space, c.name.Local)}
		}
		next = i + 1
		var err error
		switch c.name.Local {
		case "CallContext":
			err = checkAll(c, "CallContext", "CALL_CONTEXT_INVALID", nsCallContext, map[string]leafRule{
				"OnBehalfOfUser": {max: 255}, "CallersServiceCallIdentifier": {max: 255}, "AccountingInfo": {max: 255}})
		case "AuthorityContext":
			err = checkAll(c, "AuthorityContext", "AUTHORITY_CONTEXT_INVALID", nsAuthority, map[string]leafRule{
				"MunicipalityCVR": {required: true, pattern: schemaCVR, what: "8 digits"}})
		case "InvocationContext":
			uuid := leafRule{required: true, pattern: schemaUUID, what: "a lower-case UUID"}
			err = checkAll(c, "InvocationContext", "INVOCATION_CONTEXT_INVALID", nsInvocation, map[string]leafRule{
				"ServiceAgreementUUID": uuid, "UserSystemUUID": uuid, "UserUUID": uuid, "ServiceUUID": uuid,
				"OnBehalfOfUser": {max: 255}, "CallersServiceCallIdentifier": {max: 255}, "AccountingInfo": {max: 255}})
		case "PNR":
			sawPNR = true
			if len(c.children) > 0 || utf8.RuneCount(c.text) > 10 {
				err = &schemaError{"PNR_INVALID", "PNR must be 10 digits (the schema allows at most 10 characters)"}
			}
		}
		if err != nil {
			return err
		}
	}
	if !sawPNR {
		return &schemaError{"PNR_INVALID", "PNR missing: PNR must be 10 digits"}
	}
	return nil
}

// leafRule is what a context schema says of one child: required, a
// pattern (described by what), a maximum length.
type leafRule struct {
	required bool
	pattern  *regexp.Regexp
	what     string
	max      int
}

// checkAll checks an xsd:all of text-only children in namespace ns.
func checkAll(n *node, context, code, ns string, rules map[string]leafRule) error {
	refuse := func(format string, args ...any) error {
		return &schemaError{code, context + fmt.Sprintf(format, args...)}
	}
	if !blank(n.text) {
		return refuse(": text outside its elements")
	}
	seen := map[string]bool{}
	for _, c := range n.children {
		r, ok := rules[c.name.Local]
		if !ok || c.name.Space != ns {
			return refuse(": unexpected element {%s}%s", c.name.Space, c.name.Local)
		}
		if seen[c.name.Local] {
			return refuse("/%s appears twice", c.name.Local)
		}
		seen[c.name.Local] = true
		if len(c.children) > 0 {
			return refuse("/%s must hold text only", c.name.Local)
		}
		if r.pattern != nil && !r.pattern.Match(c.text) {
			return refuse("/%s is not %s", c.name.Local, r.what)
		}
		if r.max > 0 && utf8.RuneCount(c.text) > r.max {
			return refuse("/%s is longer than %d characters", c.name.Local, r.max)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		if rules[name].required && !seen[name] {
			return refuse("/%s missing (incomplete %s)", name, context)
		}
	}
	return nil
}

func blank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }
