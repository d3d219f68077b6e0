package activities

import (
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/store"
)

// Every kind of message that goes by Digital Post, as the delivery
// activity makes its letter (shipped text, example values), is a MeMo
// letter valid against the published schema of both MeMo versions, with
// and without an attachment (Valghalla sends none today; a bilag must not
// break it). Skips, saying so, without xmllint or ../shared/xsd.
func TestEveryDigitalPostLetterConformsToMeMo(t *testing.T) {
	schemas := map[string]string{digitalpost.MeMo11: "memo/MeMo_core.xsd", digitalpost.MeMo12: "memo/Version1.2/MeMo_core.xsd"}
	for _, version := range digitalpost.MeMoVersions {
		xsdcheck.Schema(t, schemas[version]) // skip early when xmllint or the schemas are missing
	}
	values := models.ExampleValues("Testrup Kommune", "Folketingsvalg 2027", "https://valg.example.dk")
	kinds := 0
	for _, kind := range models.MessageKinds {
		text, ok := models.MessageDefaults[kind][string(models.ChannelDigitalPost)]
		if !ok {
			continue
		}
		kinds++
		subject, _, html, err := renderMessage(models.ChannelDigitalPost, text.Subject, text.Body, models.MessageFields(kind), values)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		letter := digitalPostLetter(store.NewMessageID(), rendered{subject: subject, html: html, to: "0101704001",
			letterFrom: "Testrup Kommune, Valgsekretariatet"}, time.Date(2027, 11, 1, 9, 0, 0, 0, time.UTC))
		letter.SenderCVR = "12345678" // the client fills it from its configuration
		withPDF := letter
		withPDF.Attachments = []digitalpost.Attachment{{Filename: "Vejledning til tilforordnede.pdf", MIME: "application/pdf", Content: []byte("%PDF-1.4\n")}}
		for _, version := range digitalpost.MeMoVersions {
			for name, l := range map[string]digitalpost.Letter{"without attachment": letter, "with attachment": withPDF} {
				t.Run(kind+"/"+version+"/"+name, func(t *testing.T) {
					doc, err := digitalpost.BuildMeMoVersion(l, version)
					if err != nil {
						t.Fatal(err)
					}
					xsdcheck.Valid(t, schemas[version], doc)
				})
			}
		}
	}
	for _, k := range []string{models.KindInvitation, models.KindInvitationReminder, models.KindConfirmation, models.KindGroupMessage} {
		if _, ok := models.MessageDefaults[k][string(models.ChannelDigitalPost)]; !ok {
			t.Errorf("%s does not go by Digital Post", k)
		}
	}
	t.Logf("%d kinds go by Digital Post", kinds)
}
