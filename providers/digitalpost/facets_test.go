package digitalpost_test

import (
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/providers/digitalpost"
)

// long is a value of n characters (not bytes: æ is two bytes in UTF-8, and
// the schema's lengths count characters).
func long(n int) string { return strings.Repeat("æ", n) }

// mime257 and mime256 are media types one over and at memoTextType's
// maxLength.
var (
	mime256 = "application/" + strings.Repeat("x", 256-len("application/"))
	mime257 = mime256 + "x"
)

// Every facet of the MeMo schema on a value the builder writes from a
// Letter, at and over its bound, in both versions. The letter's own rules
// (CVR, CPR, non-empty texts) are TestLetterValidation's.
func TestLetterFacets(t *testing.T) {
	cases := []struct {
		facet  string
		change func(*digitalpost.Letter)
		want   string // "" means accepted
	}{
		{"messageUUID memoUuidType pattern: not a UUID", func(l *digitalpost.Letter) { l.MessageUUID = "not-a-uuid" }, "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: version 1", func(l *digitalpost.Letter) { l.MessageUUID = "6f1c1c3e-5b7a-1d8e-9a51-2f1e0c9d8b7a" }, "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: version 7", func(l *digitalpost.Letter) { l.MessageUUID = "018f1c3e-5b7a-7d8e-9a51-2f1e0c9d8b7a" }, "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: variant c", func(l *digitalpost.Letter) { l.MessageUUID = "6f1c1c3e-5b7a-4d8e-ca51-2f1e0c9d8b7a" }, "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: surrounding space", func(l *digitalpost.Letter) { l.MessageUUID = " " + letterUUID }, "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: upper case is allowed", func(l *digitalpost.Letter) { l.MessageUUID = strings.ToUpper(letterUUID) }, ""},
		{"MessageHeader/label memoTextType maxLength 256: 256", func(l *digitalpost.Letter) { l.Label = long(256) }, ""},
		{"MessageHeader/label memoTextType maxLength 256: 257", func(l *digitalpost.Letter) { l.Label = long(257) }, "MessageHeader/label: maxLength 256"},
		{"MessageHeader/label XML characters", func(l *digitalpost.Letter) { l.Label = "Invitation\x01" }, "MessageHeader/label: only characters XML allows"},
		{"Sender/label memoTextType maxLength 256: 256", func(l *digitalpost.Letter) { l.SenderLabel = long(256) }, ""},
		{"Sender/label memoTextType maxLength 256: 257", func(l *digitalpost.Letter) { l.SenderLabel = long(257) }, "Sender/label: maxLength 256"},
		{"Sender/label XML characters", func(l *digitalpost.Letter) { l.SenderLabel = "Kommune\uFFFE" }, "Sender/label: only characters XML allows"},
		{"File/encodingFormat memoTextType maxLength 256: 256", func(l *digitalpost.Letter) { l.Attachments[0].MIME = mime256 }, ""},
		{"File/encodingFormat memoTextType maxLength 256: 257", func(l *digitalpost.Letter) { l.Attachments[0].MIME = mime257 }, "AdditionalDocument/File/encodingFormat: maxLength 256"},
		{"File/filename memoTextType maxLength 256: 256", func(l *digitalpost.Letter) { l.Attachments[0].Filename = long(252) + ".pdf" }, ""},
		{"File/filename memoTextType maxLength 256: 257", func(l *digitalpost.Letter) { l.Attachments[0].Filename = long(253) + ".pdf" }, "AdditionalDocument/File/filename: maxLength 256"},
		{"AdditionalDocument/label memoTextType maxLength 256: 257", func(l *digitalpost.Letter) { l.Attachments[0].Filename = long(253) + ".pdf" }, "AdditionalDocument/label: maxLength 256"},
		{"File/filename XML characters", func(l *digitalpost.Letter) { l.Attachments[0].Filename = "a\x00.pdf" }, "AdditionalDocument/File/filename: only characters XML allows"},
		{"createdDateTime memoDateTimeType: a four-digit year", func(l *digitalpost.Letter) { l.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "createdDateTime: an xs:dateTime in UTC ending in Z"},
		{"createdDateTime memoDateTimeType: written in UTC with Z", func(l *digitalpost.Letter) { l.Created = l.Created.In(time.FixedZone("CET", 3600)) }, ""},
	}
	for _, version := range digitalpost.MeMoVersions {
		for _, tc := range cases {
			t.Run(version+"/"+tc.facet, func(t *testing.T) {
				l := withAttachment()
				tc.change(&l)
				_, err := digitalpost.BuildMeMoVersion(l, version)
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("refused: %v", err)
				case tc.want == "":
					return
				case err == nil:
					t.Fatal("BuildMeMoVersion accepted the letter")
				case !strings.Contains(err.Error(), tc.want):
					t.Errorf("error %q does not say %q", err, tc.want)
				}
				assertNoPersonalData(t, err.Error())
			})
		}
	}
}

// brokenDoc is a MeMo document that breaks one facet of the schema: made
// from a valid one by replacing old with new.
type brokenDoc struct {
	facet, old, new string // new is a closing tag: remove from old through it
	want            string // what ParseMeMo's error says
}

// brokenDocs break every facet of the elements a letter has, in a
// document of version; ParseMeMo (so dpfake) and xmllint must both refuse
// each (TestParseMeMoFacets, TestSchemasRefuseBrokenMeMo).
func brokenDocs(version string) []brokenDoc {
	el := func(name, v string) string { return "<memo:" + name + ">" + v + "</memo:" + name + ">" }
	docs := []brokenDoc{
		{"memoVersion xs:decimal", `memoVersion="` + version + `"`, `memoVersion="one"`, "memoVersion: must be an xs:decimal"},
		{"Message: no other attribute", `memoVersion="` + version + `"`, `memoVersion="` + version + `" priority="high"`, "Message/@priority: not allowed"},
		{"messageType memoMessageType enumeration", el("messageType", "DIGITALPOST"), el("messageType", "LETTER"), "messageType: enumeration DIGITALPOST, NEMSMS"},
		{"messageUUID memoUuidType pattern: version 1", el("messageUUID", letterUUID), el("messageUUID", "6f1c1c3e-5b7a-1d8e-9a51-2f1e0c9d8b7a"), "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: variant", el("messageUUID", letterUUID), el("messageUUID", "6f1c1c3e-5b7a-4d8e-7a51-2f1e0c9d8b7a"), "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID memoUuidType pattern: whitespace", el("messageUUID", letterUUID), el("messageUUID", " "+letterUUID+" "), "messageUUID: pattern of a version-4 UUID"},
		{"messageUUID required", el("messageUUID", letterUUID), "", "messageUUID: pattern of a version-4 UUID"},
		{"MessageHeader/label memoTextType maxLength", el("label", invitation().Label), el("label", long(257)), "MessageHeader/label: maxLength 256"},
		{"mandatory xs:boolean", el("mandatory", "true"), el("mandatory", "yes"), "mandatory: must be an xs:boolean"},
		{"legalNotification xs:boolean", el("legalNotification", "true"), el("legalNotification", "ja"), "legalNotification: must be an xs:boolean"},
		{"Sender required", "<memo:Sender>", "</memo:Sender>", "Sender: required"},
		{"Sender/senderID memoTextType maxLength", el("senderID", "12345678"), el("senderID", strings.Repeat("1", 257)), "Sender/senderID: maxLength 256"},
		{"Sender/idType memoTextType maxLength", el("idType", "CVR"), el("idType", long(257)), "Sender/idType: maxLength 256"},
		{"Sender/label memoTextType maxLength", el("label", "Fredericia Kommune"), el("label", long(257)), "Sender/label: maxLength 256"},
		{"Recipient/recipientID memoTextType maxLength", el("recipientID", someoneCPR), el("recipientID", strings.Repeat("0", 257)), "Recipient/recipientID: maxLength 256"},
		{"Recipient/idType memoTextType maxLength", el("idType", "CPR"), el("idType", long(257)), "Recipient/idType: maxLength 256"},
		{"createdDateTime memoDateTimeType pattern .+Z", el("createdDateTime", "2025-10-20T09:30:00Z"), el("createdDateTime", "2025-10-20T10:30:00+01:00"), "createdDateTime: an xs:dateTime in UTC ending in Z"},
		{"createdDateTime xs:dateTime", el("createdDateTime", "2025-10-20T09:30:00Z"), el("createdDateTime", "20. oktober 2025Z"), "createdDateTime: an xs:dateTime in UTC ending in Z"},
		{"MainDocument required", "<memo:MainDocument>", "</memo:MainDocument>", "MainDocument: required"},
		{"File/encodingFormat memoTextType maxLength (MIME type of 257)", el("encodingFormat", "application/pdf"), el("encodingFormat", mime257), "AdditionalDocument/File/encodingFormat: maxLength 256"},
		{"File/filename memoTextType maxLength", el("filename", "Vejledning til tilforordnede.pdf"), el("filename", long(257)), "AdditionalDocument/File/filename: maxLength 256"},
		{"File/filename required", el("filename", "brev.html"), "", "MainDocument/File/filename: required"},
		{"File/language memoLanguageType maxLength 2", el("language", "da"), el("language", "dan"), "MainDocument/File/language: maxLength 2"},
		{"File/language xs:language", el("language", "da"), el("language", "d1"), "MainDocument/File/language: must be an xs:language"},
		{"File/language required", el("language", "da"), "", "MainDocument/File/language: required"},
		{"File/content xs:base64Binary", "<memo:content>", "<memo:content>a=", "MainDocument/File/content: must be xs:base64Binary"},
		{"AdditionalDocument/label memoTextType maxLength", el("label", "Vejledning til tilforordnede.pdf"), el("label", long(257)), "AdditionalDocument/label: maxLength 256"},
		{"MessageHeader sequence: an element it does not have", el("messageType", "DIGITALPOST"), el("messageType", "DIGITALPOST") + el("priority", "high"), "MessageHeader/priority: not allowed"},
		{"MessageHeader sequence: order", el("legalNotification", "true"), el("legalNotification", "true") + el("messageID", "42"), "MessageHeader/messageID: out of the schema's order"},
		{"File sequence: once", el("language", "da"), el("language", "da") + el("language", "da"), "File/language: allowed once"},
		{"MessageHeader: element only, no text", el("messageType", "DIGITALPOST"), el("messageType", "DIGITALPOST") + "Hej", "MessageHeader: text not allowed"},
		{"messageUUID: a value, no element", el("messageUUID", letterUUID), el("messageUUID", letterUUID+"<memo:x/>"), "messageUUID/x: not allowed"},
		{"MessageBody sequence: another namespace", el("createdDateTime", "2025-10-20T09:30:00Z"), el("createdDateTime", "2025-10-20T09:30:00Z") + `<x:note xmlns:x="urn:x">hej</x:note>`, "MessageBody/note: not allowed"},
	}
	if version == digitalpost.MeMo11 {
		docs = append(docs,
			brokenDoc{"memoSchVersion required in 1.1", ` memoSchVersion="1.1.0"`, "", "memoSchVersion: required in MeMo 1.1"},
			brokenDoc{"memoSchVersion memoTextType maxLength", `memoSchVersion="1.1.0"`, `memoSchVersion="` + long(257) + `"`, "memoSchVersion: maxLength 256"},
			brokenDoc{"mandatory required in 1.1", el("mandatory", "true"), "", "mandatory: required in MeMo 1.1"},
			brokenDoc{"legalNotification required in 1.1", el("legalNotification", "true"), "", "legalNotification: required in MeMo 1.1"},
			brokenDoc{"Sender sequence: no Representative in 1.1", el("label", "Fredericia Kommune"), el("label", "Fredericia Kommune") + representative, "Sender/Representative: not allowed"},
		)
	} else {
		docs = append(docs,
			brokenDoc{"memoSchVersion not allowed in 1.2", `memoVersion="1.2"`, `memoVersion="1.2" memoSchVersion="1.2.0"`, "memoSchVersion: not allowed in MeMo 1.2"},
		)
	}
	return docs
}

// representative is a 1.2 Sender's Representative (partsrepræsentant).
const representative = "<memo:Representative><memo:label>Advokat Hansen</memo:label></memo:Representative>"

// allowedDocs are documents of version 1.2 that use what the schema allows
// and the builder does not write; ParseMeMo and xmllint take each.
func allowedDocs(t *testing.T) map[string]string {
	t.Helper()
	v12 := validDoc(t, digitalpost.MeMo12)
	return map[string]string{
		"1.2 without mandatory and legalNotification": strings.NewReplacer("<memo:mandatory>true</memo:mandatory>", "",
			"<memo:legalNotification>true</memo:legalNotification>", "").Replace(v12),
		"upper-case UUID": strings.Replace(v12, letterUUID, strings.ToUpper(letterUUID), 1),
		"language and boolean with whitespace": strings.NewReplacer("<memo:language>da</memo:language>", "<memo:language> da </memo:language>",
			"<memo:mandatory>true</memo:mandatory>", "<memo:mandatory> 1 </memo:mandatory>").Replace(v12),
		"optional elements in their place": strings.NewReplacer("<memo:label>"+invitation().Label+"</memo:label>",
			"<memo:label>"+invitation().Label+"</memo:label><memo:notification>Du har fået post</memo:notification>",
			"<memo:label>Fredericia Kommune</memo:label>", "<memo:label>Fredericia Kommune</memo:label>"+representative).Replace(v12),
	}
}

// validDoc is the MeMo of withAttachment in version.
func validDoc(t *testing.T, version string) string {
	t.Helper()
	b, err := digitalpost.BuildMeMoVersion(withAttachment(), version)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (d brokenDoc) apply(t *testing.T, doc string) []byte {
	t.Helper()
	if !strings.Contains(doc, d.old) {
		t.Fatalf("the valid document lacks %q", d.old)
	}
	if strings.HasPrefix(d.new, "</") {
		return []byte(cut(doc, d.old, d.new))
	}
	return []byte(strings.Replace(doc, d.old, d.new, 1))
}

// ParseMeMo, which dpfake answers with, refuses a document that breaks a
// facet of the schema, naming the element and the facet.
func TestParseMeMoFacets(t *testing.T) {
	for _, version := range digitalpost.MeMoVersions {
		good := validDoc(t, version)
		if _, err := digitalpost.ParseMeMo([]byte(good)); err != nil {
			t.Fatalf("%s: the valid document: %v", version, err)
		}
		for _, d := range brokenDocs(version) {
			t.Run(version+"/"+d.facet, func(t *testing.T) {
				_, err := digitalpost.ParseMeMo(d.apply(t, good))
				if err == nil {
					t.Fatal("ParseMeMo accepted it")
				}
				if !strings.Contains(err.Error(), d.want) {
					t.Errorf("error %q does not say %q", err, d.want)
				}
				assertNoPersonalData(t, err.Error())
			})
		}
	}
}

// What the schema allows, ParseMeMo takes: in 1.2 mandatory and
// legalNotification may be left out (false), an upper-case UUID is a UUID,
// the collapsing types allow surrounding whitespace, and optional elements
// the builder does not write may stand in their place.
func TestParseMeMoTakesWhatTheSchemaAllows(t *testing.T) {
	for name, doc := range allowedDocs(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := digitalpost.ParseMeMo([]byte(doc)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
