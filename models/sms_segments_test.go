package models

import (
	"strings"
	"testing"
)

func TestSMSSegments(t *testing.T) {
	for _, c := range []struct {
		name                 string
		text                 string
		chars, units, per, n int
		ucs2                 bool
	}{
		{"empty", "", 0, 0, 160, 0, false},
		{"Danish letters are GSM-7", "Æble, øl og å", 13, 13, 160, 1, false},
		{"160 septets fill one", strings.Repeat("a", 160), 160, 160, 160, 1, false},
		{"161 septets take two", strings.Repeat("a", 161), 161, 161, 153, 2, false},
		{"306 septets fill two", strings.Repeat("å", 306), 306, 306, 153, 2, false},
		{"307 septets take three", strings.Repeat("Ø", 307), 307, 307, 153, 3, false},
		{"an extension character takes two septets", "[€]", 3, 6, 160, 1, false},
		{"an extension character is not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), 305, 306, 153, 3, false},
		{"an en dash makes it UCS-2", "kl. 07:30–20:00", 15, 15, 70, 1, true},
		{"70 UCS-2 units fill one", "–" + strings.Repeat("a", 69), 70, 70, 70, 1, true},
		{"71 UCS-2 units take two", "–" + strings.Repeat("a", 70), 71, 71, 67, 2, true},
		{"an emoji takes two units", strings.Repeat("a", 66) + "🙂", 67, 68, 70, 1, true},
		{"a surrogate pair is not split", strings.Repeat("a", 66) + "🙂" + strings.Repeat("a", 66), 133, 134, 67, 3, true},
		{"ç is outside GSM-7 (only Ç is in)", "ç", 1, 1, 70, 1, true},
	} {
		got := SMSSegments(c.text)
		want := SMSLength{Chars: c.chars, Units: c.units, Segments: c.n, UCS2: c.ucs2, PerSegment: c.per}
		if got != want {
			t.Errorf("%s: %+v, want %+v", c.name, got, want)
		}
	}
}
