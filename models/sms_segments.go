package models

// SMSLength is how an SMS text is counted and split (3GPP TS 23.038).
type SMSLength struct {
	Chars    int  // characters as a person counts them
	Units    int  // what the limit counts: GSM-7 septets (an extension character takes two) or UTF-16 units
	Segments int  // the SMS messages it is sent as; 0 for an empty text
	UCS2     bool // a character outside GSM-7 makes the whole text UCS-2
	// PerSegment is the limit of one segment in the text's encoding: 160 or
	// 153 (GSM-7, single or split), 70 or 67 (UCS-2).
	PerSegment int
}

// gsm7Basic is the GSM-7 default alphabet (ESC excluded); Æ, Ø and Å are in
// it, so Danish text stays GSM-7.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension holds the characters sent as ESC + one septet: two units.
const gsm7Extension = "\f^{}\\[~]|€"

var gsm7Units = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// SMSSegments counts text as an SMS: in GSM-7 when every character is in
// it, else in UCS-2, and split into concatenated segments (a split SMS
// loses room to its header: 153 septets or 67 UTF-16 units a segment). A
// segment never splits an extension character's two septets nor a
// surrogate pair, as senders do not.
func SMSSegments(text string) SMSLength {
	var n SMSLength
	var units []int // the units of each character, in order
	for _, r := range text {
		n.Chars++
		u, ok := gsm7Units[r]
		if !ok {
			n.UCS2 = true
		}
		units = append(units, u)
	}
	single, multi := 160, 153
	if n.UCS2 {
		single, multi = 70, 67
		for i, r := range []rune(text) {
			units[i] = 1
			if r > 0xFFFF { // a surrogate pair
				units[i] = 2
			}
		}
	}
	for _, u := range units {
		n.Units += u
	}
	switch {
	case n.Units == 0:
		n.PerSegment = single
	case n.Units <= single:
		n.Segments, n.PerSegment = 1, single
	default:
		n.PerSegment = multi
		used := 0
		n.Segments = 1
		for _, u := range units {
			if used+u > multi {
				n.Segments++
				used = 0
			}
			used += u
		}
	}
	return n
}
