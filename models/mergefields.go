package models

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Merge fields (flettefelter) are the placeholders of message templates,
// written in square brackets: [user:name], [site:login-url], [task:date].
//
// The grammar is strict and lower case:
//
//	field = "[" group ":" name "]"
//	group = name = [a-z] [a-z0-9_-]*
//
// Everything else is literal text, kept exactly as written:
//
//   - a lone "[" or "]", "[]", "[not a field]", "[link](url)", "[kl:7]"
//     (a name must start with a letter) and "[user:navn på dansk]";
//   - "[[user:name]]" is a literal "[", the field [user:name] and a literal
//     "]". The scanner tries a field at every "[", so a bracket that does not
//     open a field never hides one that follows it. There is no escape
//     syntax: a template that must show "[user:name]" as text cannot (no
//     message needs to).
//
// One near miss is an error rather than literal text: a bracket that would be
// a field but for upper-case letters, such as [User:Name]. It is almost always
// a typo, and rendered literally it would reach the citizen as "[User:Name]".

// FieldError is one problem with one merge field in a template. Line and Col
// are 1-based; Col counts characters (runes), not bytes, so a line with Æ, Ø
// or Å is counted as a person reads it.
type FieldError struct {
	Field string // the field as written, without brackets, e.g. "user:nmae"
	Line  int
	Col   int
	// Key names the sentence for the template's author in the catalogs;
	// Args fill it (the field, the position, a suggestion).
	Key  string
	Args []any
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("merge field [%s] at line %d, column %d: %s", e.Field, e.Line, e.Col, e.Key)
}

// Refusal is the error as a UserError, for the page that shows it.
func (e *FieldError) Refusal() *UserError { return RefuseField(e.Field, e.Key, e.Args...) }

// MergeFieldErrors returns every *FieldError in err, which ParseTemplate, Render
// and CheckChannelFields join with errors.Join. It returns nil for nil.
func MergeFieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *FieldError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		default:
			walk(errors.Unwrap(err))
		}
	}
	walk(err)
	return out
}

// Template is a parsed message template. Parse it once with ParseTemplate and
// render it as often as needed; it is never changed after parsing, so one
// Template may be rendered from several goroutines.
type Template struct {
	segments []mfSegment
	fields   []string          // distinct, in order of first use
	first    map[string]mfSpot // position of each field's first use
}

// mfSegment is literal text (field == "") or one use of a field.
type mfSegment struct {
	text  string // literal text, used when field == ""
	field string
	at    mfSpot
	link  bool // render the value as an HTML link (set by Template.HTML)
}

type mfSpot struct{ line, col int }

func (p mfSpot) String() string { return fmt.Sprintf("(linje %d, kolonne %d)", p.line, p.col) }

// ParseTemplate parses text and checks every merge field in it against
// allowed, the fields the message kind offers (bare, without brackets, e.g.
// "user:name"); a nil allowed offers no fields. Every unknown field and
// every upper-case near miss is reported, each with its position, joined
// with errors.Join; FieldErrors lists them. On error the Template is nil.
func ParseTemplate(text string, allowed []string) (*Template, error) {
	ok := make(map[string]bool, len(allowed))
	for _, f := range allowed {
		ok[f] = true
	}
	t := &Template{first: map[string]mfSpot{}}
	var errs []error
	mfScan(text, func(literal string) {
		t.segments = append(t.segments, mfSegment{text: literal})
	}, func(field string, at mfSpot, strict bool) {
		switch {
		case !strict:
			lower := strings.ToLower(field)
			fe := &FieldError{Field: field, Line: at.line, Col: at.col, Key: "error.mergefield.case", Args: []any{field, at.line, at.col}}
			if ok[lower] {
				fe.Key, fe.Args = "error.mergefield.case.suggest", append(fe.Args, lower)
			}
			errs = append(errs, fe)
		case !ok[field]:
			fe := &FieldError{Field: field, Line: at.line, Col: at.col, Key: "error.mergefield.unknown", Args: []any{field, at.line, at.col}}
			if s := mfSuggest(field, allowed); s != "" {
				fe.Key, fe.Args = "error.mergefield.unknown.suggest", append(fe.Args, s)
			}
			errs = append(errs, fe)
		default:
			if _, seen := t.first[field]; !seen {
				t.first[field] = at
				t.fields = append(t.fields, field)
			}
			t.segments = append(t.segments, mfSegment{field: field, at: at})
		}
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// mfScan splits text into literal runs and fields, calling literal for each
// maximal run of literal text and field for each field (strict) or upper-case
// near miss (not strict), with the position of its "[".
func mfScan(text string, literal func(string), field func(name string, at mfSpot, strict bool)) {
	line, col := 1, 1
	start := 0 // start of the current literal run
	for i := 0; i < len(text); {
		if text[i] == '[' {
			if n, strict := mfMatch(text[i:]); n > 0 {
				if start < i {
					literal(text[start:i])
				}
				field(text[i+1:i+n-1], mfSpot{line, col}, strict)
				i += n
				col += n // a field is ASCII: one byte is one column
				start = i
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	if start < len(text) {
		literal(text[start:])
	}
}

// mfMatch reports the length of the field that s starts with (s[0] is '['),
// 0 if none, and whether it is a proper lower-case field (strict) or only a
// near miss with upper-case letters.
func mfMatch(s string) (n int, strict bool) {
	strict = true
	i := 1
	ident := func() bool {
		if i >= len(s) || !mfLetter(s[i]) {
			return false
		}
		for i < len(s) && (mfLetter(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '_' || s[i] == '-') {
			if s[i] >= 'A' && s[i] <= 'Z' {
				strict = false
			}
			i++
		}
		return true
	}
	if !ident() || i >= len(s) || s[i] != ':' {
		return 0, false
	}
	i++
	if !ident() || i >= len(s) || s[i] != ']' {
		return 0, false
	}
	return i + 1, strict
}

func mfLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// mfSuggest returns the allowed field closest to an unknown one, if it is
// close enough to be a typo, else "".
func mfSuggest(field string, allowed []string) string {
	best, bestDist := "", 3 // at most two edits
	if len(field) < 6 {
		bestDist = 2 // one edit on short names
	}
	for _, a := range allowed {
		if d := mfEditDistance(field, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// mfEditDistance is the Levenshtein distance over bytes (fields are ASCII),
// with a transposition counted as one edit (nmae → name).
func mfEditDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Fields returns the distinct fields the template uses, without brackets, in
// order of first use.
func (t *Template) Fields() []string { return append([]string(nil), t.fields...) }

// Render fills in the fields. escape is applied to every value and never to
// the literal text, which the template's author wrote: pass
// html.EscapeString for an HTML body and PlainText for plain text (a nil
// escape is an error, so HTML is never left unescaped by omission).
//
// A field without a value is an error, never an empty hole: a missing key,
// an empty value and a value of only white space all count as missing. Pass
// a dash or a sentence ("ikke oplyst") where nothing is the right answer. All
// missing fields are reported, each at its first use. Values are inserted as
// they are and never scanned again, so a value that contains "[user:name]"
// stays that text.
func (t *Template) Render(values map[string]string, escape func(string) string) (string, error) {
	if escape == nil {
		return "", errors.New("mergefields: Render needs an escape function (html.EscapeString or models.PlainText)")
	}
	var errs []error
	for _, f := range t.fields {
		if strings.TrimSpace(values[f]) == "" && !optionalFields[f] {
			at := t.first[f]
			errs = append(errs, &FieldError{Field: f, Line: at.line, Col: at.col,
				Key: "error.mergefield.novalue", Args: []any{f, at.line, at.col}})
		}
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	var b strings.Builder
	for _, s := range t.segments {
		switch {
		case s.field == "":
			b.WriteString(s.text)
		case s.link && mfIsWebURL(values[s.field]):
			v := escape(values[s.field])
			b.WriteString(`<a href="` + v + `">` + v + `</a>`)
		default:
			b.WriteString(escape(values[s.field]))
		}
	}
	return b.String(), nil
}

// PlainText is the escape function for plain-text bodies (e-mail text part,
// SMS): it returns the value unchanged.
func PlainText(s string) string { return s }

func mfIsWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// HTML returns the template turned into one for an HTML body, for templates
// written as plain text (as all default templates are): the literal text is
// HTML-escaped, blank lines separate <p> paragraphs and single line breaks
// become <br>. A field whose name ends in "url" or "link" ([site:login-url],
// [answer:link]) is rendered as a link when its value is an http(s) URL.
// Render the result with html.EscapeString.
func (t *Template) HTML() *Template {
	h := &Template{fields: t.fields, first: t.first, segments: make([]mfSegment, 0, len(t.segments)+2)}
	h.segments = append(h.segments, mfSegment{text: "<p>"})
	for i, s := range t.segments {
		if s.field != "" {
			s.link = strings.HasSuffix(s.field, "url") || strings.HasSuffix(s.field, "link")
			h.segments = append(h.segments, s)
			continue
		}
		text := strings.ReplaceAll(s.text, "\r\n", "\n")
		if i == 0 {
			text = strings.TrimLeft(text, "\n")
		}
		if i == len(t.segments)-1 {
			text = strings.TrimRight(text, "\n")
		}
		var b strings.Builder
		broke := false // a paragraph break was just written: more blank lines add none
		for j, para := range strings.Split(text, "\n\n") {
			if j > 0 {
				para = strings.TrimLeft(para, "\n")
				if !broke {
					b.WriteString("</p>\n<p>")
					broke = true
				}
			}
			if para != "" {
				b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
				broke = false
			}
		}
		h.segments = append(h.segments, mfSegment{text: b.String()})
	}
	h.segments = append(h.segments, mfSegment{text: "</p>"})
	return h
}

// ForbiddenInEmailOrSMS lists the known fields that carry a CPR number or a
// party affiliation. DOMAIN.md ("E-mail"): neither may be put in an e-mail or
// SMS body; Digital Post is the channel for anything sensitive.
// CheckChannelFields refuses these and any other field whose group or name
// says CPR, party or team (a team is a party or a pool).
var ForbiddenInEmailOrSMS = []string{
	"participant:cpr",
	"participant:party",
	"participant:party-name",
	"participant:party-letter",
	"participant:team",
	"party:name",
	"party:letter",
	"team:name",
}

// mfSensitiveWords are the words (a group or name split at "-" and "_") that
// make a field sensitive. "cpr" and "personnummer" are also caught inside a
// word.
var mfSensitiveWords = map[string]bool{
	"party": true, "parties": true, "parti": true, "partier": true, "partiet": true, "partiets": true,
	"partyname": true, "partyletter": true, "partinavn": true, "partibogstav": true,
	"team": true, "teams": true,
}

// IsSensitiveField reports whether a field (without brackets) carries a CPR
// number or a party affiliation and so may go by Digital Post only.
func IsSensitiveField(field string) bool {
	for _, f := range ForbiddenInEmailOrSMS {
		if f == field {
			return true
		}
	}
	if strings.Contains(field, "cpr") || strings.Contains(field, "personnummer") {
		return true
	}
	for _, w := range strings.FieldsFunc(field, func(r rune) bool { return r == ':' || r == '-' || r == '_' }) {
		if mfSensitiveWords[w] {
			return true
		}
	}
	return false
}

// CheckChannelFields refuses a template for channel "email" or "sms" that
// uses a sensitive field (IsSensitiveField), reporting each such field at
// its first use. "digitalpost" may use every field. Any other channel is an
// error, so a new channel is refused until it is added here.
func CheckChannelFields(t *Template, channel string) error {
	var name string
	switch channel {
	case "email":
		name = "e-mail"
	case "sms":
		name = "sms"
	case "digitalpost":
		return nil
	default:
		return fmt.Errorf("mergefields: unknown channel %q (email, sms or digitalpost)", channel)
	}
	if t == nil {
		return errors.New("mergefields: no template")
	}
	var errs []error
	for _, f := range t.fields {
		if IsSensitiveField(f) {
			at := t.first[f]
			errs = append(errs, &FieldError{Field: f, Line: at.line, Col: at.col, Key: "error.mergefield.sensitive",
				Args: []any{f, name, at.line, at.col}})
		}
	}
	return errors.Join(errs...)
}
