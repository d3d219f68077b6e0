package digitalpost

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// MeMo 1.1 as NgDP and SF1601 take it. The elements carry the prefix memo:
// (some receivers have been seen to insist on exactly that prefix), and the
// element order follows the MeMo 1.1 schema.
const (
	MeMoNamespace     = "https://DigitalPost.dk/MeMo-1"
	MeMoVersion       = "1.1"
	MeMoSchemaVersion = "1.1.0"

	// MainDocumentFilename is the filename the HTML main document gets.
	MainDocumentFilename = "brev.html"

	// maxLabel is MeMo's limit on label lengths (characters).
	maxLabel = 256
)

var (
	cvrPattern  = regexp.MustCompile(`^[0-9]{8}$`)
	cprPattern  = regexp.MustCompile(`^[0-9]{10}$`)
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Validate checks that l can be written as a MeMo message. Its errors name
// the field, never the CPR number or the letter's text.
func (l Letter) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !uuidPattern.MatchString(l.MessageUUID) {
		bad("MessageUUID must be a UUID")
	}
	if !cvrPattern.MatchString(l.SenderCVR) {
		bad("SenderCVR must be a CVR number, 8 digits")
	}
	checkLabel := func(field, v string) {
		switch {
		case strings.TrimSpace(v) == "":
			bad("%s must not be empty", field)
		case !utf8.ValidString(v):
			bad("%s must be UTF-8", field)
		case utf8.RuneCountInString(v) > maxLabel:
			bad("%s is longer than %d characters", field, maxLabel)
		}
	}
	checkLabel("SenderLabel", l.SenderLabel)
	if !cprPattern.MatchString(l.RecipientCPR) {
		bad("RecipientCPR must be a CPR number, 10 digits without dash")
	}
	checkLabel("Label", l.Label)
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
		switch {
		case strings.TrimSpace(a.Filename) == "" || strings.ContainsAny(a.Filename, `/\`):
			bad("Attachments[%d].Filename must be a file name", i)
		case utf8.RuneCountInString(a.Filename) > maxLabel || !utf8.ValidString(a.Filename):
			bad("Attachments[%d].Filename is too long or not UTF-8", i)
		}
		if !strings.Contains(a.MIME, "/") || strings.ContainsAny(a.MIME, " \t\r\n") {
			bad("Attachments[%d].MIME must be a media type such as application/pdf", i)
		}
		if len(a.Content) == 0 {
			bad("Attachments[%d].Content is empty", i)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("digitalpost: invalid letter: %w", errors.Join(errs...))
	}
	return nil
}

// BuildMeMo writes l as a MeMo 1.1 message (UTF-8 XML). The HTML becomes the
// main document, each attachment an additional document.
func BuildMeMo(l Letter) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	m := outMessage{
		NS:         MeMoNamespace,
		Version:    MeMoVersion,
		SchVersion: MeMoSchemaVersion,
		Header: outHeader{
			MessageType:       "DIGITALPOST",
			MessageUUID:       l.MessageUUID,
			Label:             l.Label,
			Mandatory:         l.Mandatory,
			LegalNotification: l.LegalNotification,
			Sender:            outSender{ID: l.SenderCVR, IDType: "CVR", Label: l.SenderLabel},
			Recipient:         outRecipient{ID: l.RecipientCPR, IDType: "CPR"},
		},
		Body: outBody{
			Created: l.Created.UTC().Format(time.RFC3339),
			Main: outDocument{File: outFile{
				EncodingFormat: "text/html",
				Filename:       MainDocumentFilename,
				Language:       "da",
				Content:        base64.StdEncoding.EncodeToString([]byte(l.HTML)),
			}},
		},
	}
	for _, a := range l.Attachments {
		m.Body.Additional = append(m.Body.Additional, outDocument{
			Label: a.Filename,
			File: outFile{
				EncodingFormat: a.MIME,
				Filename:       a.Filename,
				Language:       "da",
				Content:        base64.StdEncoding.EncodeToString(a.Content),
			},
		})
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

// ParseMeMo reads a MeMo 1.1 Digital Post message back into a Letter and
// validates it: the namespace, memoVersion 1.1, messageType DIGITALPOST, the
// id types CVR and CPR, and everything Validate checks. Its errors never
// contain the CPR number or the letter's text.
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
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.Version != MeMoVersion {
		bad("memoVersion must be %s", MeMoVersion)
	}
	h, b := m.Header, m.Body
	if h == nil || b == nil {
		return Letter{}, errors.New("digitalpost: invalid MeMo: MessageHeader and MessageBody are required")
	}
	if h.MessageType != "DIGITALPOST" {
		bad("messageType must be DIGITALPOST")
	}
	l := Letter{
		MessageUUID: strings.TrimSpace(h.MessageUUID),
		Label:       h.Label,
	}
	l.Mandatory = parseBool(h.Mandatory, "mandatory", bad)
	l.LegalNotification = parseBool(h.LegalNotification, "legalNotification", bad)
	if s := h.Sender; s == nil {
		bad("Sender is required")
	} else {
		if strings.TrimSpace(s.IDType) != "CVR" {
			bad("Sender/idType must be CVR")
		}
		l.SenderCVR, l.SenderLabel = strings.TrimSpace(s.ID), s.Label
	}
	if r := h.Recipient; r == nil {
		bad("Recipient is required")
	} else {
		if strings.TrimSpace(r.IDType) != "CPR" {
			bad("Recipient/idType must be CPR")
		}
		l.RecipientCPR = strings.TrimSpace(r.ID)
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(b.Created)); err != nil {
		bad("createdDateTime must be an RFC 3339 date-time")
	} else {
		l.Created = t
	}
	if b.Main == nil || b.Main.File == nil {
		bad("MainDocument/File is required")
	} else {
		content, err := decodeFile(b.Main.File)
		if err != nil {
			bad("MainDocument/File: %v", err)
		}
		if f := strings.TrimSpace(b.Main.File.EncodingFormat); f != "text/html" {
			bad("MainDocument/File/encodingFormat must be text/html")
		}
		l.HTML = string(content)
	}
	for i, d := range b.Additional {
		if d.File == nil {
			bad("AdditionalDocument[%d]/File is required", i)
			continue
		}
		content, err := decodeFile(d.File)
		if err != nil {
			bad("AdditionalDocument[%d]/File: %v", i, err)
		}
		l.Attachments = append(l.Attachments, Attachment{
			Filename: strings.TrimSpace(d.File.Filename),
			MIME:     strings.TrimSpace(d.File.EncodingFormat),
			Content:  content,
		})
	}
	if len(errs) == 0 {
		if err := l.Validate(); err != nil {
			return Letter{}, fmt.Errorf("digitalpost: invalid MeMo: %w", errors.Unwrap(err))
		}
		return l, nil
	}
	return Letter{}, fmt.Errorf("digitalpost: invalid MeMo: %w", errors.Join(errs...))
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

func decodeFile(f *inFile) ([]byte, error) {
	if strings.TrimSpace(f.Filename) == "" {
		return nil, errors.New("filename is required")
	}
	if strings.TrimSpace(f.EncodingFormat) == "" {
		return nil, errors.New("encodingFormat is required")
	}
	// base64Binary may be wrapped over lines.
	content, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(f.Content), ""))
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
	SchVersion string    `xml:"memoSchVersion,attr"`
	Header     outHeader `xml:"memo:MessageHeader"`
	Body       outBody   `xml:"memo:MessageBody"`
}

type outHeader struct {
	MessageType       string       `xml:"memo:messageType"`
	MessageUUID       string       `xml:"memo:messageUUID"`
	Label             string       `xml:"memo:label"`
	Mandatory         bool         `xml:"memo:mandatory"`
	LegalNotification bool         `xml:"memo:legalNotification"`
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
	XMLName xml.Name  `xml:"https://DigitalPost.dk/MeMo-1 Message"`
	Version string    `xml:"memoVersion,attr"`
	Header  *inHeader `xml:"https://DigitalPost.dk/MeMo-1 MessageHeader"`
	Body    *inBody   `xml:"https://DigitalPost.dk/MeMo-1 MessageBody"`
}

type inHeader struct {
	MessageType       string       `xml:"https://DigitalPost.dk/MeMo-1 messageType"`
	MessageUUID       string       `xml:"https://DigitalPost.dk/MeMo-1 messageUUID"`
	Label             string       `xml:"https://DigitalPost.dk/MeMo-1 label"`
	Mandatory         string       `xml:"https://DigitalPost.dk/MeMo-1 mandatory"`
	LegalNotification string       `xml:"https://DigitalPost.dk/MeMo-1 legalNotification"`
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
	File *inFile `xml:"https://DigitalPost.dk/MeMo-1 File"`
}

type inFile struct {
	EncodingFormat string `xml:"https://DigitalPost.dk/MeMo-1 encodingFormat"`
	Filename       string `xml:"https://DigitalPost.dk/MeMo-1 filename"`
	Language       string `xml:"https://DigitalPost.dk/MeMo-1 language"`
	Content        string `xml:"https://DigitalPost.dk/MeMo-1 content"`
}
