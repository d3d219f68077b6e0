package digitalpost_test

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/providers/digitalpost"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// Fictitious data: the CPR numbers are cprfake.FixturePeople's, the CVR is no
// authority's.
const (
	someoneCPR = "0101704001"
	exemptCPR  = "0101704016"
	letterUUID = "6f1c1c3e-5b7a-4d8e-9a51-2f1e0c9d8b7a"
)

func invitation() digitalpost.Letter {
	return digitalpost.Letter{
		MessageUUID:  letterUUID,
		SenderCVR:    "12345678",
		SenderLabel:  "Fredericia Kommune",
		RecipientCPR: someoneCPR,
		Label:        "Invitation: tilforordnet vælger ved kommunalvalget 18. november 2025",
		Created:      time.Date(2025, time.October, 20, 9, 30, 0, 0, time.UTC),
		HTML: "<!DOCTYPE html>\n<html lang=\"da\"><body><p>Kære Søren Ærø</p>" +
			"<p>Du er indstillet som tilforordnet vælger på Øster Skole &amp; Hal.</p></body></html>\n",
	}
}

func withAttachment() digitalpost.Letter {
	l := invitation()
	l.Mandatory = true
	l.LegalNotification = true
	l.Attachments = []digitalpost.Attachment{{
		Filename: "Vejledning til tilforordnede.pdf",
		MIME:     "application/pdf",
		Content:  []byte("%PDF-1.4\n% fictitious\n"),
	}}
	return l
}

func TestBuildMeMoGolden(t *testing.T) {
	cases := []struct {
		golden, version string
		letter          digitalpost.Letter
	}{
		{"letter.golden", digitalpost.MeMo11, invitation()},
		{"letter_with_attachment.golden", digitalpost.MeMo11, withAttachment()},
		{"letter_1.2.golden", digitalpost.MeMo12, invitation()},
		{"letter_with_attachment_1.2.golden", digitalpost.MeMo12, withAttachment()},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			got, err := digitalpost.BuildMeMoVersion(tc.letter, tc.version)
			if err != nil {
				t.Fatalf("BuildMeMo: %v", err)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("BuildMeMo differs from %s (go test -update rewrites it):\n%s", path, got)
			}

			// What was written reads back as the same letter.
			back, err := digitalpost.ParseMeMo(got)
			if err != nil {
				t.Fatalf("ParseMeMo of our own MeMo: %v", err)
			}
			if !reflect.DeepEqual(back, tc.letter) {
				t.Errorf("round trip:\n got %+v\nwant %+v", back, tc.letter)
			}
		})
	}
}

// MeMo 1.2 is the default; 1.1 is 1.2 with memoSchVersion.
func TestBuildMeMoVersions(t *testing.T) {
	if digitalpost.DefaultMeMoVersion != digitalpost.MeMo12 {
		t.Errorf("default MeMo version %s", digitalpost.DefaultMeMoVersion)
	}
	def, err := digitalpost.BuildMeMo(invitation())
	if err != nil {
		t.Fatal(err)
	}
	v12, _ := digitalpost.BuildMeMoVersion(invitation(), digitalpost.MeMo12)
	v11, _ := digitalpost.BuildMeMoVersion(invitation(), digitalpost.MeMo11)
	if !bytes.Equal(def, v12) {
		t.Error("BuildMeMo does not write the default version")
	}
	if !strings.Contains(string(v12), `<memo:Message xmlns:memo="https://DigitalPost.dk/MeMo-1" memoVersion="1.2">`) || strings.Contains(string(v12), "memoSchVersion") {
		t.Errorf("MeMo 1.2:\n%s", v12)
	}
	if !strings.Contains(string(v11), `<memo:Message xmlns:memo="https://DigitalPost.dk/MeMo-1" memoVersion="1.1" memoSchVersion="1.1.0">`) {
		t.Errorf("MeMo 1.1:\n%s", v11)
	}
	if _, err := digitalpost.BuildMeMoVersion(invitation(), "1.3"); err == nil || !strings.Contains(err.Error(), "MeMo version must be 1.1 or 1.2") {
		t.Errorf("version 1.3: %v", err)
	}
}

func TestBuildMeMoShape(t *testing.T) {
	got, err := digitalpost.BuildMeMoVersion(withAttachment(), digitalpost.MeMo11)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{
		`<memo:Message xmlns:memo="https://DigitalPost.dk/MeMo-1" memoVersion="1.1"`,
		`<memo:messageType>DIGITALPOST</memo:messageType>`,
		`<memo:messageUUID>` + letterUUID + `</memo:messageUUID>`,
		`<memo:mandatory>true</memo:mandatory>`,
		`<memo:legalNotification>true</memo:legalNotification>`,
		`<memo:senderID>12345678</memo:senderID>`,
		`<memo:idType>CVR</memo:idType>`,
		`<memo:recipientID>` + someoneCPR + `</memo:recipientID>`,
		`<memo:idType>CPR</memo:idType>`,
		`<memo:createdDateTime>2025-10-20T09:30:00Z</memo:createdDateTime>`,
		`<memo:encodingFormat>text/html</memo:encodingFormat>`,
		`<memo:language>da</memo:language>`,
		`<memo:AdditionalDocument>`,
		`<memo:encodingFormat>application/pdf</memo:encodingFormat>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("MeMo lacks %s", want)
		}
	}
	if strings.Contains(s, "Søren") {
		t.Error("the HTML is not base64 encoded")
	}
}

func TestLetterValidation(t *testing.T) {
	cases := []struct {
		name   string
		change func(*digitalpost.Letter)
		want   string
	}{
		{"no uuid", func(l *digitalpost.Letter) { l.MessageUUID = "" }, "messageUUID: pattern of a version-4 UUID"},
		{"bad uuid", func(l *digitalpost.Letter) { l.MessageUUID = "6f1c1c3e5b7a4d8e9a512f1e0c9d8b7a" }, "messageUUID: pattern of a version-4 UUID"},
		{"short CVR", func(l *digitalpost.Letter) { l.SenderCVR = "1234567" }, "SenderCVR must be a CVR number"},
		{"no sender label", func(l *digitalpost.Letter) { l.SenderLabel = " " }, "SenderLabel must not be empty"},
		{"CPR with dash", func(l *digitalpost.Letter) { l.RecipientCPR = "010170-4001" }, "RecipientCPR must be a CPR number"},
		{"CPR too short", func(l *digitalpost.Letter) { l.RecipientCPR = "010170400" }, "RecipientCPR must be a CPR number"},
		{"no label", func(l *digitalpost.Letter) { l.Label = "" }, "Label must not be empty"},
		{"label too long", func(l *digitalpost.Letter) { l.Label = strings.Repeat("æ", 257) }, "MessageHeader/label: maxLength 256"},
		{"no created", func(l *digitalpost.Letter) { l.Created = time.Time{} }, "Created must be set"},
		{"no HTML", func(l *digitalpost.Letter) { l.HTML = "\n" }, "HTML must not be empty"},
		{"HTML not UTF-8", func(l *digitalpost.Letter) { l.HTML = "\xff\xfe" }, "HTML must be UTF-8"},
		{"attachment without name", func(l *digitalpost.Letter) { l.Attachments[0].Filename = "" }, "Attachments[0].Filename"},
		{"attachment with path", func(l *digitalpost.Letter) { l.Attachments[0].Filename = "../x.pdf" }, "Attachments[0].Filename"},
		{"attachment without type", func(l *digitalpost.Letter) { l.Attachments[0].MIME = "pdf" }, "Attachments[0].MIME"},
		{"empty attachment", func(l *digitalpost.Letter) { l.Attachments[0].Content = nil }, "Attachments[0].Content is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := withAttachment()
			tc.change(&l)
			_, err := digitalpost.BuildMeMo(l)
			if err == nil {
				t.Fatal("BuildMeMo accepted the letter")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
}

func TestParseMeMoRefuses(t *testing.T) {
	good, err := digitalpost.BuildMeMo(invitation())
	if err != nil {
		t.Fatal(err)
	}
	g := string(good)
	cases := []struct {
		name, xml, want string
	}{
		{"not XML", "this is not XML", "not well-formed XML"},
		{"truncated", g[:len(g)/2], "not well-formed XML"},
		{"wrong namespace", strings.Replace(g, "https://DigitalPost.dk/MeMo-1", "https://example.org/MeMo-2", 1), "namespace https://DigitalPost.dk/MeMo-1"},
		{"no namespace", strings.NewReplacer(`xmlns:memo="https://DigitalPost.dk/MeMo-1"`, "", "memo:", "").Replace(g), "namespace https://DigitalPost.dk/MeMo-1"},
		{"other version", strings.Replace(g, `memoVersion="1.2"`, `memoVersion="2.0"`, 1), "memoVersion: must be 1.1 or 1.2"},
		{"NemSMS", strings.Replace(g, ">DIGITALPOST<", ">NEMSMS<", 1), "messageType must be DIGITALPOST"},
		{"no recipient", cut(g, "<memo:Recipient>", "</memo:Recipient>"), "Recipient: required"},
		{"recipient by CVR", strings.Replace(g, "<memo:idType>CPR</memo:idType>", "<memo:idType>CVR</memo:idType>", 1), "Recipient/idType must be CPR"},
		{"bad CPR", strings.Replace(g, someoneCPR, "01017040", 1), "RecipientCPR must be a CPR number"},
		{"no main document", cut(g, "<memo:MainDocument>", "</memo:MainDocument>"), "MainDocument: required"},
		{"content not base64", strings.Replace(g, "<memo:content>", "<memo:content>*", 1), "content is not base64"},
		{"no created", cut(g, "<memo:createdDateTime>", "</memo:createdDateTime>"), "createdDateTime"},
		{"no header", cut(g, "<memo:MessageHeader>", "</memo:MessageHeader>"), "MessageHeader and MessageBody are required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := digitalpost.ParseMeMo([]byte(tc.xml))
			if err == nil {
				t.Fatal("ParseMeMo accepted it")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
}

// cut removes from the first start through the first end after it.
func cut(s, start, end string) string {
	i := strings.Index(s, start)
	j := strings.Index(s[i:], end)
	return s[:i] + s[i+j+len(end):]
}

// assertNoPersonalData fails when text carries a fixture CPR number or the
// letter's text.
func assertNoPersonalData(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{someoneCPR, "010170-4001", exemptCPR, "Søren", "Ærø", "Øster Skole"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q reveals %q", text, secret)
		}
	}
}

func TestLetterLogValueHidesThePerson(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("sending", "letter", withAttachment())
	if !strings.Contains(buf.String(), "letter.message_uuid="+letterUUID) {
		t.Errorf("log lacks the message UUID: %s", buf.String())
	}
	assertNoPersonalData(t, buf.String())
	if strings.Contains(buf.String(), "tilforordnet") {
		t.Errorf("log shows the title: %s", buf.String())
	}
}
