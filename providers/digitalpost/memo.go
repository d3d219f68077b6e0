package digitalpost

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MeMo as NgDP and SF1601 take it, in version 1.1 or 1.2 (facets.go). The
// elements carry the prefix memo: (some receivers have been seen to insist on
// exactly that prefix), and the element order follows the MeMo schema.
const (
	MeMoNamespace = "https://DigitalPost.dk/MeMo-1"
	// MeMoSchemaVersion is the memoSchVersion of a MeMo 1.1 message
	// (1.2 has no such attribute).
	MeMoSchemaVersion = "1.1.0"

	// MainDocumentFilename is the filename the HTML main document gets.
	MainDocumentFilename = "brev.html"

	// documentLanguage is every document's language.
	documentLanguage = "da"
)

var (
	cvrPattern = regexp.MustCompile(`^[0-9]{8}$`)
	cprPattern = regexp.MustCompile(`^[0-9]{10}$`)
	// uuidPattern is any UUID, as a receipt path or a server's text may
	// carry it; a letter's MessageUUID must be a version-4 UUID
	// (memoUUIDPattern).
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// validMeMoVersion tells whether v is a version BuildMeMoVersion writes.
func validMeMoVersion(v string) bool { return slices.Contains(MeMoVersions, v) }

// Validate checks that l can be written as a MeMo message: the rules of
// the MeMo schema for every value the builder writes (facets.go), and
// Digital Post's own (a CVR sender, a CPR recipient, a title and a text).
// Its errors name the field, never the CPR number or the letter's text.
func (l Letter) Validate() error { return l.validate(DefaultMeMoVersion) }

func (l Letter) validate(version string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !validMeMoVersion(version) {
		bad("MeMo version must be %s or %s", MeMo11, MeMo12)
		version = DefaultMeMoVersion
	}
	if !cvrPattern.MatchString(l.SenderCVR) {
		bad("SenderCVR must be a CVR number, 8 digits")
	}
	if strings.TrimSpace(l.SenderLabel) == "" {
		bad("SenderLabel must not be empty")
	}
	if !cprPattern.MatchString(l.RecipientCPR) {
		bad("RecipientCPR must be a CPR number, 10 digits without dash")
	}
	if strings.TrimSpace(l.Label) == "" {
		bad("Label must not be empty")
	}
	if l.Created.IsZero() {
		bad("Created must be set")
	}
	switch {
	case strings.TrimSpace(l.HTML) == "":
		bad("HTML must not be empty")
	case !utf8.ValidString(l.HTML):
		bad("HTML must be UTF-8")
	}
	for i, a := range l.Attachments {
		if strings.TrimSpace(a.Filename) == "" || strings.ContainsAny(a.Filename, `/\`) {
			bad("Attachments[%d].Filename must be a file name", i)
		}
		if !strings.Contains(a.MIME, "/") || strings.ContainsAny(a.MIME, " \t\r\n") {
			bad("Attachments[%d].MIME must be a media type such as application/pdf", i)
		}
		if len(a.Content) == 0 {
			bad("Attachments[%d].Content is empty", i)
		}
	}
	errs = append(errs, checkFacets(l.memoFields(version))...)
	if len(errs) > 0 {
		return fmt.Errorf("digitalpost: invalid letter: %w", errors.Join(errs...))
	}
	return nil
}

// memoFields are the values BuildMeMoVersion writes for l.
func (l Letter) memoFields(version string) memoFields {
	ptr := func(s string) *string { return &s }
	f := memoFields{
		Version:           version,
		MessageType:       memoMessageTypeDigitalPst,
		MessageUUID:       l.MessageUUID,
		Label:             l.Label,
		Mandatory:         ptr(strconv.FormatBool(l.Mandatory)),
		LegalNotification: ptr(strconv.FormatBool(l.LegalNotification)),
		Sender:            &partyFields{ID: l.SenderCVR, IDType: "CVR", Label: l.SenderLabel},
		Recipient:         &partyFields{ID: l.RecipientCPR, IDType: "CPR"},
		Created:           l.Created.UTC().Format(time.RFC3339),
		Main: &documentFields{Files: []fileFields{{
			EncodingFormat: ptr("text/html"),
			Filename:       ptr(MainDocumentFilename),
			Language:       ptr(documentLanguage),
			Content:        ptr(base64.StdEncoding.EncodeToString([]byte(l.HTML))),
		}}},
	}
	if version == MeMo11 {
		f.SchVersion = ptr(MeMoSchemaVersion)
	}
	for _, a := range l.Attachments {
		f.Additional = append(f.Additional, documentFields{
			Label: ptr(a.Filename),
			Files: []fileFields{{
				EncodingFormat: ptr(a.MIME),
				Filename:       ptr(a.Filename),
				Language:       ptr(documentLanguage),
				Content:        ptr(base64.StdEncoding.EncodeToString(a.Content)),
			}},
		})
	}
	return f
}

// BuildMeMo writes l as a MeMo message of DefaultMeMoVersion (UTF-8 XML).
func BuildMeMo(l Letter) ([]byte, error) { return BuildMeMoVersion(l, DefaultMeMoVersion) }

// BuildMeMoVersion writes l as a MeMo message of version (MeMo11 or
// MeMo12), UTF-8 XML. The HTML becomes the main document, each attachment
// an additional document. 1.2 differs from 1.1 in what is left out: no
// memoSchVersion.
func BuildMeMoVersion(l Letter, version string) ([]byte, error) {
	if err := l.validate(version); err != nil {
		return nil, err
	}
	f := l.memoFields(version)
	m := outMessage{
		NS:      MeMoNamespace,
		Version: f.Version,
		Header: outHeader{
			MessageType:       f.MessageType,
			MessageUUID:       f.MessageUUID,
			Label:             f.Label,
			Mandatory:         *f.Mandatory,
			LegalNotification: *f.LegalNotification,
			Sender:            outSender{ID: f.Sender.ID, IDType: f.Sender.IDType, Label: f.Sender.Label},
			Recipient:         outRecipient{ID: f.Recipient.ID, IDType: f.Recipient.IDType},
		},
		Body: outBody{Created: f.Created, Main: outDoc(*f.Main)},
	}
	if f.SchVersion != nil {
		m.SchVersion = *f.SchVersion
	}
	for _, d := range f.Additional {
		m.Body.Additional = append(m.Body.Additional, outDoc(d))
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("digitalpost: writing MeMo: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func outDoc(d documentFields) outDocument {
	var o outDocument
	if d.Label != nil {
		o.Label = *d.Label
	}
	file := d.Files[0]
	o.File = outFile{EncodingFormat: *file.EncodingFormat, Filename: *file.Filename, Language: *file.Language, Content: *file.Content}
	return o
}

// ParseMeMo reads a MeMo 1.1 or 1.2 Digital Post message back into a
// Letter and validates it: the namespace, memoVersion 1.1 or 1.2, every
// facet of the MeMo schema on the elements a letter has (facets.go),
// messageType DIGITALPOST, the id types CVR and CPR, and everything
// Validate checks. Its errors never contain the CPR number or the letter's
// text.
func ParseMeMo(data []byte) (Letter, error) {
	var m inMessage
	if err := xml.Unmarshal(data, &m); err != nil {
		// The decoder's own texts may quote the document: say what is
		// wrong in our words.
		var se *xml.SyntaxError
		var ue xml.UnmarshalError
		switch {
		case errors.As(err, &se):
			return Letter{}, fmt.Errorf("digitalpost: MeMo is not well-formed XML (line %d)", se.Line)
		case errors.Is(err, io.EOF):
			return Letter{}, errors.New("digitalpost: MeMo is not well-formed XML (no root element)")
		case errors.As(err, &ue) && strings.HasPrefix(string(ue), "expected element"):
			return Letter{}, fmt.Errorf("digitalpost: MeMo root must be Message in namespace %s", MeMoNamespace)
		}
		return Letter{}, errors.New("digitalpost: MeMo could not be read")
	}
	h, b := m.Header, m.Body
	if h == nil || b == nil {
		return Letter{}, errors.New("digitalpost: invalid MeMo: MessageHeader and MessageBody are required")
	}
	errs := append(checkStructure(data, collapse(m.Version)), checkFacets(m.fields())...)
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if h.MessageType != memoMessageTypeDigitalPst {
		bad("messageType must be DIGITALPOST")
	}
	l := Letter{
		MessageUUID: strings.TrimSpace(h.MessageUUID),
		Label:       h.Label,
	}
	l.Mandatory = parseBool(deref(h.Mandatory), "mandatory", bad)
	l.LegalNotification = parseBool(deref(h.LegalNotification), "legalNotification", bad)
	if s := h.Sender; s != nil {
		if strings.TrimSpace(s.IDType) != "CVR" {
			bad("Sender/idType must be CVR")
		}
		l.SenderCVR, l.SenderLabel = strings.TrimSpace(s.ID), s.Label
	}
	if r := h.Recipient; r != nil {
		if strings.TrimSpace(r.IDType) != "CPR" {
			bad("Recipient/idType must be CPR")
		}
		l.RecipientCPR = strings.TrimSpace(r.ID)
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(b.Created)); err == nil {
		l.Created = t
	}
	if b.Main != nil && len(b.Main.Files) > 0 {
		content, err := decodeFile(b.Main.Files[0])
		if err != nil {
			bad("MainDocument/File: %v", err)
		}
		if strings.TrimSpace(deref(b.Main.Files[0].EncodingFormat)) != "text/html" {
			bad("MainDocument/File/encodingFormat must be text/html")
		}
		l.HTML = string(content)
	}
	for i, d := range b.Additional {
		for _, file := range d.Files {
			content, err := decodeFile(file)
			if err != nil {
				bad("AdditionalDocument[%d]/File: %v", i, err)
			}
			l.Attachments = append(l.Attachments, Attachment{
				Filename: strings.TrimSpace(deref(file.Filename)),
				MIME:     strings.TrimSpace(deref(file.EncodingFormat)),
				Content:  content,
			})
		}
	}
	if len(errs) == 0 {
		if err := l.validate(collapse(m.Version)); err != nil {
			return Letter{}, fmt.Errorf("digitalpost: invalid MeMo: %w", errors.Unwrap(err))
		}
		return l, nil
	}
	return Letter{}, fmt.Errorf("digitalpost: invalid MeMo: %w", errors.Join(errs...))
}

// fields are the values m carries, for checkFacets.
func (m inMessage) fields() memoFields {
	f := memoFields{Version: m.Version}
	for _, a := range m.Attrs {
		switch {
		case a.Name.Space == "" && a.Name.Local == "memoVersion":
		case a.Name.Space == "" && a.Name.Local == "memoSchVersion":
			v := a.Value
			f.SchVersion = &v
		case a.Name.Space == "xmlns", a.Name.Space == "" && a.Name.Local == "xmlns",
			a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance":
		default:
			f.OtherAttrs = append(f.OtherAttrs, a.Name.Local)
		}
	}
	h, b := m.Header, m.Body
	f.MessageType, f.MessageUUID, f.Label = h.MessageType, h.MessageUUID, h.Label
	f.Mandatory, f.LegalNotification = h.Mandatory, h.LegalNotification
	if s := h.Sender; s != nil {
		f.Sender = &partyFields{ID: s.ID, IDType: s.IDType, Label: s.Label}
	}
	if r := h.Recipient; r != nil {
		f.Recipient = &partyFields{ID: r.ID, IDType: r.IDType}
	}
	f.Created = b.Created
	doc := func(d inDocument) documentFields {
		out := documentFields{Label: d.Label}
		for _, file := range d.Files {
			out.Files = append(out.Files, fileFields{EncodingFormat: file.EncodingFormat, Filename: file.Filename,
				Language: file.Language, Content: file.Content})
		}
		return out
	}
	if b.Main != nil {
		main := doc(*b.Main)
		f.Main = &main
	}
	for _, d := range b.Additional {
		f.Additional = append(f.Additional, doc(d))
	}
	return f
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func parseBool(s, field string, bad func(string, ...any)) bool {
	switch strings.TrimSpace(s) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	bad("%s must be true or false", field)
	return false
}

func decodeFile(f inFile) ([]byte, error) {
	if strings.TrimSpace(deref(f.Filename)) == "" {
		return nil, errors.New("filename is required")
	}
	if strings.TrimSpace(deref(f.EncodingFormat)) == "" {
		return nil, errors.New("encodingFormat is required")
	}
	// base64Binary may be wrapped over lines.
	content, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(deref(f.Content)), ""))
	if err != nil {
		return nil, errors.New("content is not base64")
	}
	return content, nil
}

// ---- the XML as written: literal memo: prefixes ----

type outMessage struct {
	XMLName    xml.Name  `xml:"memo:Message"`
	NS         string    `xml:"xmlns:memo,attr"`
	Version    string    `xml:"memoVersion,attr"`
	SchVersion string    `xml:"memoSchVersion,attr,omitempty"`
	Header     outHeader `xml:"memo:MessageHeader"`
	Body       outBody   `xml:"memo:MessageBody"`
}

type outHeader struct {
	MessageType       string       `xml:"memo:messageType"`
	MessageUUID       string       `xml:"memo:messageUUID"`
	Label             string       `xml:"memo:label"`
	Mandatory         string       `xml:"memo:mandatory"`
	LegalNotification string       `xml:"memo:legalNotification"`
	Sender            outSender    `xml:"memo:Sender"`
	Recipient         outRecipient `xml:"memo:Recipient"`
}

type outSender struct {
	ID     string `xml:"memo:senderID"`
	IDType string `xml:"memo:idType"`
	Label  string `xml:"memo:label"`
}

type outRecipient struct {
	ID     string `xml:"memo:recipientID"`
	IDType string `xml:"memo:idType"`
}

type outBody struct {
	Created    string        `xml:"memo:createdDateTime"`
	Main       outDocument   `xml:"memo:MainDocument"`
	Additional []outDocument `xml:"memo:AdditionalDocument"`
}

type outDocument struct {
	Label string  `xml:"memo:label,omitempty"`
	File  outFile `xml:"memo:File"`
}

type outFile struct {
	EncodingFormat string `xml:"memo:encodingFormat"`
	Filename       string `xml:"memo:filename"`
	Language       string `xml:"memo:language"`
	Content        string `xml:"memo:content"`
}

// ---- the XML as read: by namespace, whatever the prefix ----

type inMessage struct {
	XMLName xml.Name   `xml:"https://DigitalPost.dk/MeMo-1 Message"`
	Version string     `xml:"memoVersion,attr"`
	Attrs   []xml.Attr `xml:",any,attr"`
	Header  *inHeader  `xml:"https://DigitalPost.dk/MeMo-1 MessageHeader"`
	Body    *inBody    `xml:"https://DigitalPost.dk/MeMo-1 MessageBody"`
}

type inHeader struct {
	MessageType       string       `xml:"https://DigitalPost.dk/MeMo-1 messageType"`
	MessageUUID       string       `xml:"https://DigitalPost.dk/MeMo-1 messageUUID"`
	Label             string       `xml:"https://DigitalPost.dk/MeMo-1 label"`
	Mandatory         *string      `xml:"https://DigitalPost.dk/MeMo-1 mandatory"`
	LegalNotification *string      `xml:"https://DigitalPost.dk/MeMo-1 legalNotification"`
	Sender            *inParty     `xml:"https://DigitalPost.dk/MeMo-1 Sender"`
	Recipient         *inRecipient `xml:"https://DigitalPost.dk/MeMo-1 Recipient"`
}

type inParty struct {
	ID     string `xml:"https://DigitalPost.dk/MeMo-1 senderID"`
	IDType string `xml:"https://DigitalPost.dk/MeMo-1 idType"`
	Label  string `xml:"https://DigitalPost.dk/MeMo-1 label"`
}

type inRecipient struct {
	ID     string `xml:"https://DigitalPost.dk/MeMo-1 recipientID"`
	IDType string `xml:"https://DigitalPost.dk/MeMo-1 idType"`
}

type inBody struct {
	Created    string       `xml:"https://DigitalPost.dk/MeMo-1 createdDateTime"`
	Main       *inDocument  `xml:"https://DigitalPost.dk/MeMo-1 MainDocument"`
	Additional []inDocument `xml:"https://DigitalPost.dk/MeMo-1 AdditionalDocument"`
}

type inDocument struct {
	Label *string  `xml:"https://DigitalPost.dk/MeMo-1 label"`
	Files []inFile `xml:"https://DigitalPost.dk/MeMo-1 File"`
}

type inFile struct {
	EncodingFormat *string `xml:"https://DigitalPost.dk/MeMo-1 encodingFormat"`
	Filename       *string `xml:"https://DigitalPost.dk/MeMo-1 filename"`
	Language       *string `xml:"https://DigitalPost.dk/MeMo-1 language"`
	Content        *string `xml:"https://DigitalPost.dk/MeMo-1 content"`
}
