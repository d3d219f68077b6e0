package ui

import (
	"fmt"
	"slices"
	"testing"

	"github.com/valghalla/valghalla/models"
)

// The dev mailbox offers a button for each of the app's links a message
// carries — the Min side login link too, once though the mail gives it
// twice — and none for other addresses.
func TestMailLinks(t *testing.T) {
	minside := models.MinSideLinkURL("http://127.0.0.1:8080", "AbC_12-x")
	for _, c := range []struct {
		text string
		want []string
	}{
		{fmt.Sprintf(models.MinSideLinkEmailText, minside, minside), []string{minside}},
		{fmt.Sprintf(models.MinSideLinkSMSText, minside), []string{minside}},
		{"Svar her: http://h/svar/tok1 eller http://h/konto/aktiver/tok2", []string{"http://h/svar/tok1", "http://h/konto/aktiver/tok2"}},
		{"Se http://h/oversigt?valg=1 og http://h/minside", nil},
	} {
		if got := mailLinks(c.text); !slices.Equal(got, c.want) {
			t.Errorf("mailLinks(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
