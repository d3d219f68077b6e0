package activities

import "testing"

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		text, name string
		want       bool
	}{
		{"Du er indstillet af Venstre.", "Venstre", true},
		{"VENSTRE takker", "Venstre", true},
		{"drej til venstre ved kirken", "Venstre", true},
		{"han er venstrehåndet", "Venstre", false},
		{"Enhedslisten", "Enhedslisten", true},
		{"Socialdemokratiets kandidat", "Socialdemokratiet", true},
		{"Venstresnak", "Venstre", false},
		{"Dansk Folkeparti.", "Dansk Folkeparti", true},
		{"Ærø Æ-partiet", "Danmarksdemokraterne", false},
		{"", "Venstre", false},
		{"tekst", "", false},
	} {
		if got := mentions(c.text, c.name); got != c.want {
			t.Errorf("mentions(%q, %q) = %v", c.text, c.name, got)
		}
	}
}
