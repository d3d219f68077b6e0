package digitalpost

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The MeMo schema's rules (facets) for every value the builder writes, in
// one place: BuildMeMo checks the values it is about to write with them
// (Letter.Validate), and ParseMeMo checks the values it read, so dpfake
// (which takes letters through ParseMeMo) refuses what the schema refuses.
// The types are MeMo_dataTypes.xsd's (namespace dt:), shared by MeMo 1.1
// and 1.2; the elements and their occurrence are MeMo_core.xsd's.
//
//	element                                  type                 facets
//	Message/@memoVersion                     xs:decimal           required; 1.1 or 1.2 (what NgDP takes)
//	Message/@memoSchVersion                  dt:memoTextType      1.1: required, maxLength 256; 1.2: not allowed
//	MessageHeader/messageType                dt:memoMessageType   required; enumeration DIGITALPOST, NEMSMS
//	MessageHeader/messageUUID                dt:memoUuidType      required; pattern of a version-4 UUID
//	MessageHeader/label                      dt:memoTextType      required; maxLength 256
//	MessageHeader/mandatory                  xs:boolean           1.1: required; 1.2: optional
//	MessageHeader/legalNotification          xs:boolean           1.1: required; 1.2: optional
//	Sender/senderID, idType, label           dt:memoTextType      required; maxLength 256
//	Recipient/recipientID, idType            dt:memoTextType      required; maxLength 256
//	MessageBody/createdDateTime              dt:memoDateTimeType  required; xs:dateTime, pattern .+Z
//	MainDocument/File, AdditionalDocument/File                    required (at least one)
//	File/encodingFormat, filename            dt:memoTextType      required; maxLength 256
//	File/language                            dt:memoLanguageType  required; xs:language, maxLength 2
//	File/content                             xs:base64Binary      required
//	AdditionalDocument/label                 dt:memoTextType      optional; maxLength 256
//
// Every text must also consist of characters XML can carry. Lengths count
// characters, as XML Schema does. ParseMeMo also holds the children of
// Message, MessageHeader, Sender, Recipient, MessageBody, the documents and
// File to the schema's sequences (checkStructure): no element the sequence
// lacks, none out of order, none repeated that may occur once, no text
// between them and no element inside a value.

// MeMo versions the builder writes and NgDP takes.
const (
	MeMo11 = "1.1"
	MeMo12 = "1.2"

	// DefaultMeMoVersion is what a Client sends unless its Config says
	// otherwise: MeMo 1.2, the current version, which current public
	// clients send; 1.1 remains selectable.
	DefaultMeMoVersion = MeMo12
)

// MeMoVersions lists the versions Config.MeMoVersion takes.
var MeMoVersions = []string{MeMo11, MeMo12}

// The facets of MeMo_dataTypes.xsd.
const (
	memoTextMaxLength         = 256 // dt:memoTextType
	memoLanguageMaxLength     = 2   // dt:memoLanguageType
	memoMessageTypeDigitalPst = "DIGITALPOST"
	memoMessageTypeNemSMS     = "NEMSMS"
)

var (
	// dt:memoUuidType; XML Schema patterns match the whole value.
	memoUUIDPattern = regexp.MustCompile(`^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-4[a-fA-F0-9]{3}-[aAbB89][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$`)
	// xs:language.
	languagePattern = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	// xs:decimal.
	decimalPattern = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	// xs:dateTime restricted by dt:memoDateTimeType's pattern .+Z.
	memoDateTimePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$`)
)

// memoFields are the values of one MeMo message as written (by BuildMeMo)
// or read (by ParseMeMo), before any trimming. A nil pointer is an absent
// element or attribute.
type memoFields struct {
	Version           string
	SchVersion        *string
	OtherAttrs        []string // attributes of Message the schema does not declare
	MessageType       string
	MessageUUID       string
	Label             string
	Mandatory         *string
	LegalNotification *string
	Sender            *partyFields
	Recipient         *partyFields
	Created           string
	Main              *documentFields
	Additional        []documentFields
}

type partyFields struct{ ID, IDType, Label string }

type documentFields struct {
	Label *string
	Files []fileFields
}

type fileFields struct {
	EncodingFormat *string
	Filename       *string
	Language       *string
	Content        *string
}

// checkFacets returns one error per facet of the MeMo schema that f breaks,
// each naming the element and the facet, never the value.
func checkFacets(f memoFields) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	text := func(element, v string) {
		switch {
		case !utf8.ValidString(v) || !xmlChars(v):
			bad("%s: only characters XML allows", element)
		case utf8.RuneCountInString(v) > memoTextMaxLength:
			bad("%s: maxLength %d (memoTextType) exceeded", element, memoTextMaxLength)
		}
	}
	required := func(element string, v *string) (string, bool) {
		if v == nil {
			bad("%s: required", element)
			return "", false
		}
		return *v, true
	}

	version := collapse(f.Version)
	switch {
	case version == "":
		bad("memoVersion: required")
	case !decimalPattern.MatchString(version):
		bad("memoVersion: must be an xs:decimal")
	case version != MeMo11 && version != MeMo12:
		bad("memoVersion: must be %s or %s", MeMo11, MeMo12)
	}
	switch {
	case version == MeMo11 && f.SchVersion == nil:
		bad("memoSchVersion: required in MeMo 1.1")
	case version == MeMo11:
		text("memoSchVersion", *f.SchVersion)
	case version == MeMo12 && f.SchVersion != nil:
		bad("memoSchVersion: not allowed in MeMo 1.2")
	}
	for _, a := range f.OtherAttrs {
		bad("Message/@%s: not allowed", a)
	}

	switch f.MessageType {
	case memoMessageTypeDigitalPst, memoMessageTypeNemSMS:
	default:
		bad("messageType: enumeration DIGITALPOST, NEMSMS (memoMessageType)")
	}
	if !memoUUIDPattern.MatchString(f.MessageUUID) {
		bad("messageUUID: pattern of a version-4 UUID (memoUuidType)")
	}
	text("MessageHeader/label", f.Label)
	for _, b := range []struct {
		element string
		v       *string
	}{{"mandatory", f.Mandatory}, {"legalNotification", f.LegalNotification}} {
		switch {
		case b.v == nil && version == MeMo11:
			bad("%s: required in MeMo 1.1", b.element)
		case b.v != nil && !isBoolean(*b.v):
			bad("%s: must be an xs:boolean", b.element)
		}
	}
	if s := f.Sender; s == nil {
		bad("Sender: required")
	} else {
		text("Sender/senderID", s.ID)
		text("Sender/idType", s.IDType)
		text("Sender/label", s.Label)
	}
	if r := f.Recipient; r == nil {
		bad("Recipient: required")
	} else {
		text("Recipient/recipientID", r.ID)
		text("Recipient/idType", r.IDType)
	}

	created := collapse(f.Created)
	if _, err := time.Parse(time.RFC3339Nano, created); err != nil || !memoDateTimePattern.MatchString(created) || strings.HasPrefix(created, "0000") {
		bad("createdDateTime: an xs:dateTime in UTC ending in Z (memoDateTimeType)")
	}
	document := func(element string, d documentFields) {
		if d.Label != nil {
			text(element+"/label", *d.Label)
		}
		if len(d.Files) == 0 {
			bad("%s/File: required", element)
		}
		for _, file := range d.Files {
			if v, ok := required(element+"/File/encodingFormat", file.EncodingFormat); ok {
				text(element+"/File/encodingFormat", v)
			}
			if v, ok := required(element+"/File/filename", file.Filename); ok {
				text(element+"/File/filename", v)
			}
			if v, ok := required(element+"/File/language", file.Language); ok {
				v = collapse(v)
				switch {
				case !languagePattern.MatchString(v):
					bad("%s/File/language: must be an xs:language", element)
				case len(v) > memoLanguageMaxLength:
					bad("%s/File/language: maxLength %d (memoLanguageType) exceeded", element, memoLanguageMaxLength)
				}
			}
			if v, ok := required(element+"/File/content", file.Content); ok {
				if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), "")); err != nil {
					bad("%s/File/content: must be xs:base64Binary", element)
				}
			}
		}
	}
	if f.Main == nil {
		bad("MainDocument: required")
	} else {
		document("MainDocument", *f.Main)
	}
	for _, d := range f.Additional {
		document("AdditionalDocument", d)
	}
	return errs
}

// collapse is XML Schema's whiteSpace collapse, which xs:decimal,
// xs:boolean, xs:dateTime and xs:language apply before their facets.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func isBoolean(s string) bool {
	switch collapse(s) {
	case "true", "false", "1", "0":
		return true
	}
	return false
}

// xmlChars tells whether every character of s is one XML 1.0 allows.
func xmlChars(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t', r == '\n', r == '\r':
		case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// child is one element of a content model: its name and how often it may
// occur (min 0 or 1; many: unbounded).
type child struct {
	name string
	min  int
	many bool
}

// contentModels are the sequences of MeMo_core.xsd for the elements a
// letter has, in both versions (Representative is 1.2's). The children of
// other elements (ContentData, AttentionData, Action, …) are not looked
// into.
func contentModels(version string) map[string][]child {
	sender := []child{{"senderID", 1, false}, {"idType", 1, false}, {"idTypeLabel", 0, false}, {"label", 1, false},
		{"AttentionData", 0, false}, {"ContactPoint", 0, false}}
	mandatory := 1
	if version == MeMo12 {
		sender = append(sender, child{"Representative", 0, false})
		mandatory = 0
	}
	document := func(id string) []child {
		return []child{{id, 0, false}, {"label", 0, false}, {"File", 1, true}, {"Action", 0, true}}
	}
	return map[string][]child{
		"Message": {{"MessageHeader", 1, false}, {"MessageBody", 0, false}},
		"MessageHeader": {{"messageType", 1, false}, {"messageUUID", 1, false}, {"messageID", 0, false}, {"messageCode", 0, false},
			{"label", 1, false}, {"notification", 0, false}, {"additionalNotification", 0, false}, {"reply", 0, false},
			{"replyByDateTime", 0, false}, {"doNotDeliverUntilDate", 0, false}, {"mandatory", mandatory, false},
			{"legalNotification", mandatory, false}, {"postType", 0, false}, {"Sender", 1, false}, {"Recipient", 1, false},
			{"ContentData", 0, false}, {"ForwardData", 0, false}, {"ReplyData", 0, true}},
		"Sender": sender,
		"Recipient": {{"recipientID", 1, false}, {"idType", 1, false}, {"idTypeLabel", 0, false}, {"label", 0, false},
			{"AttentionData", 0, false}, {"ContactPoint", 0, false}},
		"MessageBody": {{"createdDateTime", 1, false}, {"MainDocument", 1, false}, {"AdditionalDocument", 0, true},
			{"TechnicalDocument", 0, true}},
		"MainDocument":       document("mainDocumentID"),
		"AdditionalDocument": document("additionalDocumentID"),
		"File":               {{"encodingFormat", 1, false}, {"filename", 1, false}, {"language", 1, false}, {"content", 1, false}},
	}
}

// checkStructure checks the order and the names of the children of the
// elements a letter has against the schema's sequences: an element the
// sequence does not have, or one out of its place, or one too many, is
// refused. (Missing required elements are checkFacets' to report.) The
// document is well-formed: ParseMeMo has read it.
func checkStructure(data []byte, version string) []error {
	models := contentModels(version)
	type open struct {
		name  string
		model []child // nil: not looked into
		leaf  bool    // a value (MeMo names its simple-typed elements in lower case): no children
		at    int     // index in model of the last child seen
		count int     // how often model[at] was seen
	}
	var errs []error
	var stack []*open
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return errs
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			var parent *open
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			name := tok.Name.Local
			if parent != nil && parent.leaf {
				errs = append(errs, fmt.Errorf("%s/%s: not allowed", parent.name, name))
			}
			if parent != nil && parent.model != nil {
				i := slices.IndexFunc(parent.model, func(c child) bool { return c.name == name })
				switch {
				case tok.Name.Space != MeMoNamespace || i < 0:
					errs = append(errs, fmt.Errorf("%s/%s: not allowed", parent.name, name))
				case i < parent.at:
					errs = append(errs, fmt.Errorf("%s/%s: out of the schema's order", parent.name, name))
				case i == parent.at && parent.count > 0 && !parent.model[i].many:
					errs = append(errs, fmt.Errorf("%s/%s: allowed once", parent.name, name))
				case i == parent.at:
					parent.count++
				default:
					parent.at, parent.count = i, 1
				}
			}
			o := &open{name: name}
			if parent == nil || parent.model != nil {
				o.model = models[name]
				o.leaf = o.model == nil && name != "" && unicode.IsLower(rune(name[0]))
			}
			stack = append(stack, o)
		case xml.CharData:
			if n := len(stack); n > 0 && stack[n-1].model != nil && len(bytes.TrimSpace(tok)) > 0 {
				errs = append(errs, fmt.Errorf("%s: text not allowed", stack[n-1].name))
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}
