package models

import (
	"errors"
	"html"
	"slices"
	"strings"
	"testing"
)

var mfTestAllowed = []string{
	"user:name", "user:one-time-login-url", "site:name", "site:login-url",
	"participant:name", "election:name", "task:date", "station:address", "answer:link",
}

var mfTestValues = map[string]string{
	"user:name":               "Anna Ærø",
	"user:one-time-login-url": "https://valghalla.example/login/once?t=abc&u=7",
	"site:name":               "Næstved Kommune",
	"site:login-url":          "https://valghalla.example/login",
	"participant:name":        "Søren Ågård",
	"election:name":           "KV25",
	"task:date":               "18. november 2025",
	"station:address":         "Skolevej 1, 4700 Næstved",
	"answer:link":             "https://valghalla.example/svar/xyz",
}

func mfMustParse(t *testing.T, text string, allowed []string) *Template {
	t.Helper()
	tpl, err := ParseTemplate(text, allowed)
	if err != nil {
		t.Fatalf("ParseTemplate(%q): %v", text, err)
	}
	return tpl
}

func TestTemplateRenderPlain(t *testing.T) {
	tests := []struct {
		name, text, want string
		fields           []string
	}{
		{"empty", "", "", nil},
		{"no fields", "Hej med dig", "Hej med dig", nil},
		{"field only", "[user:name]", "Anna Ærø", []string{"user:name"}},
		{"field at start", "[user:name], velkommen", "Anna Ærø, velkommen", []string{"user:name"}},
		{"field at end", "Kære [user:name]", "Kære Anna Ærø", []string{"user:name"}},
		{"adjacent fields", "[user:name][election:name]", "Anna ÆrøKV25", []string{"user:name", "election:name"}},
		{"repeated field", "[user:name] og [user:name]", "Anna Ærø og Anna Ærø", []string{"user:name"}},
		{"order of first use", "[task:date] [user:name] [task:date] [election:name]",
			"18. november 2025 Anna Ærø 18. november 2025 KV25", []string{"task:date", "user:name", "election:name"}},
		{"digits, hyphens and underscores", "[user:one-time-login-url]", mfTestValues["user:one-time-login-url"], []string{"user:one-time-login-url"}},
		{"danish letters around", "Æblegrød til [participant:name] på Ærø – ØÅ æøå", "Æblegrød til Søren Ågård på Ærø – ØÅ æøå", []string{"participant:name"}},
		{"danish letters touching", "Ø[user:name]Å", "ØAnna ÆrøÅ", []string{"user:name"}},
		{"multi-line", "Kære [user:name]\n\nDu skal være på\n[station:address]\r\nden [task:date].\n",
			"Kære Anna Ærø\n\nDu skal være på\nSkolevej 1, 4700 Næstved\r\nden 18. november 2025.\n",
			[]string{"user:name", "station:address", "task:date"}},

		// Literal text: none of these is a field.
		{"lone open bracket", "a [ b", "a [ b", nil},
		{"lone close bracket", "a ] b", "a ] b", nil},
		{"open bracket at end", "slut [", "slut [", nil},
		{"empty brackets", "[]", "[]", nil},
		{"words in brackets", "[not a field]", "[not a field]", nil},
		{"markdown link", "[link](https://example.dk)", "[link](https://example.dk)", nil},
		{"markdown link with a field", "[[user:name]](https://x.dk)", "[Anna Ærø](https://x.dk)", []string{"user:name"}},
		{"double brackets", "[[user:name]]", "[Anna Ærø]", []string{"user:name"}},
		{"three open brackets", "[[[user:name]", "[[Anna Ærø", []string{"user:name"}},
		{"unterminated", "[user:name", "[user:name", nil},
		{"unterminated then field", "[user:name [user:name]", "[user:name Anna Ærø", []string{"user:name"}},
		{"no name", "[user:]", "[user:]", nil},
		{"no group", "[:name]", "[:name]", nil},
		{"no colon", "[username]", "[username]", nil},
		{"two colons", "[user:name:x]", "[user:name:x]", nil},
		{"space inside", "[user: name]", "[user: name]", nil},
		{"name starts with a digit", "Mød op [kl:7]", "Mød op [kl:7]", nil},
		{"group starts with a digit", "[1user:name]", "[1user:name]", nil},
		{"danish letter in name", "[bruger:næste]", "[bruger:næste]", nil},
		{"sentence in brackets", "[obs: husk legitimation]", "[obs: husk legitimation]", nil},
		{"url in brackets", "[https://valghalla.example]", "[https://valghalla.example]", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mfMustParse(t, tc.text, mfTestAllowed)
			if got := tpl.Fields(); !slices.Equal(got, tc.fields) {
				t.Errorf("Fields() = %q, want %q", got, tc.fields)
			}
			got, err := tpl.Render(mfTestValues, PlainText)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tc.want {
				t.Errorf("Render = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTemplateFieldsIsACopy(t *testing.T) {
	tpl := mfMustParse(t, "[user:name] [task:date]", mfTestAllowed)
	tpl.Fields()[0] = "participant:cpr"
	if got := tpl.Fields()[0]; got != "user:name" {
		t.Fatalf("Fields()[0] = %q after changing a returned slice", got)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	type pos struct {
		field     string
		line, col int
		reason    string
	}
	tests := []struct {
		name    string
		text    string
		allowed []string
		want    []pos
	}{
		{"unknown field with a suggestion", "Hej\n\nDu er [user:nmae] med", mfTestAllowed, []pos{
			{"user:nmae", 3, 7, "ukendt flettefelt [user:nmae] (linje 3, kolonne 7) – mente du [user:name]?"},
		}},
		{"unknown field, nothing close", "[zzz:qqq]", mfTestAllowed, []pos{
			{"zzz:qqq", 1, 1, "ukendt flettefelt [zzz:qqq] (linje 1, kolonne 1)"},
		}},
		{"columns count characters, not bytes", "ÆØÅ æøå [user:navn]", mfTestAllowed, []pos{
			{"user:navn", 1, 9, "ukendt flettefelt [user:navn] (linje 1, kolonne 9) – mente du [user:name]?"},
		}},
		{"after a field on the same line", "[user:name][site:nam]", mfTestAllowed, []pos{
			{"site:nam", 1, 12, "ukendt flettefelt [site:nam] (linje 1, kolonne 12) – mente du [site:name]?"},
		}},
		{"CRLF and tab", "a\r\n\t[bruger:navn]", mfTestAllowed, []pos{
			{"bruger:navn", 2, 2, "ukendt flettefelt [bruger:navn] (linje 2, kolonne 2)"},
		}},
		{"every error, in order", "[user:nmae] ok [user:name]\nÅ [election:nme]\n\n  [foo:bar] [user:nmae]", mfTestAllowed, []pos{
			{"user:nmae", 1, 1, "ukendt flettefelt [user:nmae] (linje 1, kolonne 1) – mente du [user:name]?"},
			{"election:nme", 2, 3, "ukendt flettefelt [election:nme] (linje 2, kolonne 3) – mente du [election:name]?"},
			{"foo:bar", 4, 3, "ukendt flettefelt [foo:bar] (linje 4, kolonne 3)"},
			{"user:nmae", 4, 13, "ukendt flettefelt [user:nmae] (linje 4, kolonne 13) – mente du [user:name]?"},
		}},
		{"upper case is a near miss, not literal text", "Kære [User:Name]", mfTestAllowed, []pos{
			{"User:Name", 1, 6, "flettefelter skrives med små bogstaver: [User:Name] (linje 1, kolonne 6) – mente du [user:name]?"},
		}},
		{"upper case and unknown", "[FOO:Bar]", mfTestAllowed, []pos{
			{"FOO:Bar", 1, 1, "flettefelter skrives med små bogstaver: [FOO:Bar] (linje 1, kolonne 1)"},
		}},
		{"nil allowed offers no field", "Hej [user:name]", nil, []pos{
			{"user:name", 1, 5, "ukendt flettefelt [user:name] (linje 1, kolonne 5)"},
		}},
		{"a field the kind does not offer", "[participant:cpr]", mfTestAllowed, []pos{
			{"participant:cpr", 1, 1, "ukendt flettefelt [participant:cpr] (linje 1, kolonne 1)"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := ParseTemplate(tc.text, tc.allowed)
			if err == nil {
				t.Fatalf("no error, template with fields %q", tpl.Fields())
			}
			if tpl != nil {
				t.Errorf("a template came back with the error")
			}
			var first *FieldError
			if !errors.As(err, &first) {
				t.Fatalf("errors.As(*FieldError) failed on %v", err)
			}
			got := MergeFieldErrors(err)
			if len(got) != len(tc.want) {
				t.Fatalf("%d errors, want %d: %v", len(got), len(tc.want), err)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Field != w.field || g.Line != w.line || g.Col != w.col || Translate(g.Refusal()) != w.reason {
					t.Errorf("error %d = {%q %d:%d %q}, want {%q %d:%d %q}", i, g.Field, g.Line, g.Col, Translate(g.Refusal()), w.field, w.line, w.col, w.reason)
				}
				if !strings.HasPrefix(mfAt(tc.text, g.Line, g.Col), "["+g.Field+"]") {
					t.Errorf("error %d: the text at line %d, column %d is %q, not [%s]", i, g.Line, g.Col, mfAt(tc.text, g.Line, g.Col), g.Field)
				}
			}
			if last := got[len(got)-1]; !strings.Contains(err.Error(), last.Error()) {
				t.Errorf("the joined message %q lacks the last error", err)
			}
		})
	}
}

// mfAt returns text from 1-based line and column (in runes) to the line's end.
func mfAt(text string, line, col int) string {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	r := []rune(lines[line-1])
	if col < 1 || col > len(r) {
		return ""
	}
	return string(r[col-1:])
}

func TestMergeFieldErrors(t *testing.T) {
	if MergeFieldErrors(nil) != nil {
		t.Error("MergeFieldErrors(nil) is not nil")
	}
	if MergeFieldErrors(errors.New("x")) != nil {
		t.Error("FieldErrors of a plain error is not nil")
	}
	fe := &FieldError{Field: "a:b", Line: 1, Col: 1, Key: "r"}
	wrapped := errors.Join(errors.New("x"), errors.Join(fe, fe))
	if got := MergeFieldErrors(wrapped); len(got) != 2 || got[0] != fe {
		t.Errorf("FieldErrors = %v", got)
	}
}

func TestRenderMissingValues(t *testing.T) {
	tpl := mfMustParse(t, "Kære [user:name]\nDit valgsted: [station:address]\n[task:date] [user:name]", mfTestAllowed)
	tests := []struct {
		name   string
		values map[string]string
		want   []string
	}{
		{"nil map", nil, []string{
			"flettefeltet [user:name] har ingen værdi (linje 1, kolonne 6)",
			"flettefeltet [station:address] har ingen værdi (linje 2, kolonne 15)",
			"flettefeltet [task:date] har ingen værdi (linje 3, kolonne 1)",
		}},
		{"one missing", map[string]string{"user:name": "Anna", "task:date": "18. november"}, []string{
			"flettefeltet [station:address] har ingen værdi (linje 2, kolonne 15)",
		}},
		{"empty and blank count as missing", map[string]string{"user:name": "", "station:address": " \t\n", "task:date": "i dag"}, []string{
			"flettefeltet [user:name] har ingen værdi (linje 1, kolonne 6)",
			"flettefeltet [station:address] har ingen værdi (linje 2, kolonne 15)",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tpl.Render(tc.values, PlainText)
			if err == nil {
				t.Fatalf("no error, rendered %q", out)
			}
			if out != "" {
				t.Errorf("rendered %q along with the error", out)
			}
			var got []string
			for _, fe := range MergeFieldErrors(err) {
				got = append(got, Translate(fe.Refusal()))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors = %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("extra values are ignored", func(t *testing.T) {
		got, err := mfMustParse(t, "Hej [user:name]", mfTestAllowed).Render(mfTestValues, PlainText)
		if err != nil || got != "Hej Anna Ærø" {
			t.Errorf("Render = %q, %v", got, err)
		}
	})
	t.Run("nil escape is an error", func(t *testing.T) {
		if _, err := tpl.Render(mfTestValues, nil); err == nil {
			t.Error("Render with a nil escape did not fail")
		}
	})
}

func TestRenderEscaping(t *testing.T) {
	values := map[string]string{
		"user:name":     `<script>alert("x")</script> & Co`,
		"election:name": "[user:name]", // a value is never scanned for fields
	}
	tests := []struct {
		name, text string
		escape     func(string) string
		want       string
	}{
		{"html: values escaped, literal markup kept", `<p>Hej <b>[user:name]</b> &amp; velkommen til [election:name]</p>`, html.EscapeString,
			`<p>Hej <b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</b> &amp; velkommen til [user:name]</p>`},
		{"plain: values as they are", "Hej [user:name] & [election:name]", PlainText,
			`Hej <script>alert("x")</script> & Co & [user:name]`},
		{"html attribute", `<a title="[user:name]">`, html.EscapeString,
			`<a title="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co">`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mfMustParse(t, tc.text, mfTestAllowed).Render(values, tc.escape)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Render = %q\nwant      %q", got, tc.want)
			}
		})
	}
}

func TestTemplateHTML(t *testing.T) {
	tests := []struct {
		name, text string
		values     map[string]string
		want       string
	}{
		{"paragraphs, line breaks and a link",
			"Hej [user:name]\nlinje 2\n\n\n\nNy: [user:one-time-login-url]\n",
			map[string]string{"user:name": "Åse <Ø>", "user:one-time-login-url": "https://x.dk/l?a=1&b=2"},
			"<p>Hej Åse &lt;Ø&gt;<br>\nlinje 2</p>\n<p>Ny: <a href=\"https://x.dk/l?a=1&amp;b=2\">https://x.dk/l?a=1&amp;b=2</a></p>"},
		{"literal text is escaped", "1 < 2 & \"[user:name]\"", map[string]string{"user:name": "Bo"},
			"<p>1 &lt; 2 &amp; &#34;Bo&#34;</p>"},
		{"a url field that is not a web address is no link", "[user:one-time-login-url]",
			map[string]string{"user:one-time-login-url": "javascript:alert(1)"},
			"<p>javascript:alert(1)</p>"},
		{"leading and trailing blank lines dropped", "\n\n[user:name]\n\n", map[string]string{"user:name": "Bo"},
			"<p>Bo</p>"},
		{"paragraph break between two fields", "[user:name]\n\n[site:name]", map[string]string{"user:name": "Bo", "site:name": "Odense Kommune"},
			"<p>Bo</p>\n<p>Odense Kommune</p>"},
		{"CRLF", "a\r\nb\r\n\r\nc", nil, "<p>a<br>\nb</p>\n<p>c</p>"},
		{"a link field", "Svar her: [answer:link]", map[string]string{"answer:link": "https://v.example/svar/1"},
			`<p>Svar her: <a href="https://v.example/svar/1">https://v.example/svar/1</a></p>`},
		{"other fields are never links", "[user:name]", map[string]string{"user:name": "https://v.example/"},
			"<p>https://v.example/</p>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mfMustParse(t, tc.text, mfTestAllowed)
			got, err := tpl.HTML().Render(tc.values, html.EscapeString)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("HTML().Render = %q\nwant              %q", got, tc.want)
			}
			if !slices.Equal(tpl.HTML().Fields(), tpl.Fields()) {
				t.Errorf("HTML() changed the fields")
			}
		})
	}
}

func TestIsSensitiveField(t *testing.T) {
	for field, want := range map[string]bool{
		"participant:cpr":                true,
		"participant:party":              true,
		"participant:party-letter":       true,
		"participant:team":               true,
		"party:name":                     true,
		"party:letter":                   true,
		"team:name":                      true,
		"person:cpr-number":              true,
		"participant:cprnr":              true,
		"deltager:personnummer":          true,
		"deltager:parti":                 true,
		"nominator:party_name":           true,
		"participant:name":               false,
		"participant:participation-date": false,
		"election:name":                  false,
		"station:address":                false,
		"user:one-time-login-url":        false,
		"task:partial-day":               false,
	} {
		if got := IsSensitiveField(field); got != want {
			t.Errorf("IsSensitiveField(%q) = %v, want %v", field, got, want)
		}
	}
	for _, f := range ForbiddenInEmailOrSMS {
		if !IsSensitiveField(f) {
			t.Errorf("IsSensitiveField(%q) = false for a listed field", f)
		}
	}
}

func TestCheckChannelFields(t *testing.T) {
	allowed := append(slices.Clone(mfTestAllowed), "participant:cpr", "participant:party", "party:name", "participant:team")
	tests := []struct {
		name, text string
		channel    string
		want       []string // reasons; nil: accepted
	}{
		{"plain fields by e-mail", "Kære [participant:name], [election:name]", "email", nil},
		{"plain fields by sms", "[participant:name] [task:date]", "sms", nil},
		{"no fields", "Hej", "sms", nil},
		{"cpr by e-mail", "Hej [participant:name]\nCPR: [participant:cpr]", "email", []string{
			"flettefeltet [participant:cpr] må ikke bruges i e-mail, kun i Digital Post: CPR-numre og partitilhørsforhold sendes aldrig med e-mail eller sms (linje 2, kolonne 6)",
		}},
		{"party and team by sms, each once", "[party:name] [participant:party] [party:name] [participant:team]", "sms", []string{
			"flettefeltet [party:name] må ikke bruges i sms, kun i Digital Post: CPR-numre og partitilhørsforhold sendes aldrig med e-mail eller sms (linje 1, kolonne 1)",
			"flettefeltet [participant:party] må ikke bruges i sms, kun i Digital Post: CPR-numre og partitilhørsforhold sendes aldrig med e-mail eller sms (linje 1, kolonne 14)",
			"flettefeltet [participant:team] må ikke bruges i sms, kun i Digital Post: CPR-numre og partitilhørsforhold sendes aldrig med e-mail eller sms (linje 1, kolonne 47)",
		}},
		{"cpr and party by digital post", "[participant:cpr] [party:name]", "digitalpost", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckChannelFields(mfMustParse(t, tc.text, allowed), tc.channel)
			var got []string
			for _, fe := range MergeFieldErrors(err) {
				got = append(got, Translate(fe.Refusal()))
			}
			if !slices.Equal(got, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("CheckChannelFields = %v\nreasons %q\nwant    %q", err, got, tc.want)
			}
		})
	}

	t.Run("unknown channels are refused", func(t *testing.T) {
		tpl := mfMustParse(t, "Hej", allowed)
		for _, ch := range []string{"", "fax", "Email", "e-mail", "SMS", "digital post"} {
			if err := CheckChannelFields(tpl, ch); err == nil {
				t.Errorf("channel %q accepted", ch)
			}
		}
	})
	t.Run("nil template", func(t *testing.T) {
		if err := CheckChannelFields(nil, "email"); err == nil {
			t.Error("nil template accepted for e-mail")
		}
	})
}

func TestAccountInvitationDefault(t *testing.T) {
	tpl := mfMustParse(t, AccountInvitationDefault, AccountInvitationFields)
	if got := tpl.Fields(); !slices.Equal(got, []string{"user:name", "site:name", "user:one-time-login-url", "site:login-url"}) {
		t.Errorf("Fields() = %q", got)
	}
	subject := mfMustParse(t, AccountInvitationSubjectDefault, AccountInvitationFields)
	for _, ch := range []string{"email", "sms", "digitalpost"} {
		if err := CheckChannelFields(tpl, ch); err != nil {
			t.Errorf("%s: %v", ch, err)
		}
		if err := CheckChannelFields(subject, ch); err != nil {
			t.Errorf("subject, %s: %v", ch, err)
		}
	}
	for _, stale := range []string{"Fredericia", "Valhalla", "Persondataloven", "\t"} {
		if strings.Contains(AccountInvitationDefault, stale) {
			t.Errorf("the default text still says %q", stale)
		}
	}
	values := map[string]string{
		"user:name": "Mette Ødegård", "site:name": "Aarhus Kommune",
		"user:one-time-login-url": "https://valg.aarhus.example/u/once/9f3?x=1&y=2", "site:login-url": "https://valg.aarhus.example/login",
	}
	text, err := tpl.Render(values, PlainText)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Kære Mette Ødegård,\n", "dit parti og Aarhus Kommune med", "\nhttps://valg.aarhus.example/u/once/9f3?x=1&y=2\n",
		"inden 7 dage", "Brugernavn: Mette Ødegård", "Valgsekretariatet\nAarhus Kommune\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered text lacks %q", want)
		}
	}
	body, err := tpl.HTML().Render(values, html.EscapeString)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<p>Kære Mette Ødegård,</p>", `<a href="https://valg.aarhus.example/u/once/9f3?x=1&amp;y=2">`, "</p>\n<p>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the HTML body lacks %q", want)
		}
	}
	if strings.Contains(body, "[") || strings.Contains(text, "[") {
		t.Error("a '[' is left in the rendered invitation")
	}
}

// FuzzParseTemplate checks the tokenizer's promises on any text: it never
// panics; every error points at its field, inside the text; a text that
// parses uses only allowed fields and renders with every field given a
// value, leaving no known field behind. Seeds beyond these are checked in
// under testdata/fuzz/FuzzParseTemplate.
func FuzzParseTemplate(f *testing.F) {
	for _, seed := range []string{
		"", "[", "]", "[]", "[[user:name]]", "[user:name", "Kære [user:name],\n\n[site:login-url]",
		"[link](url)", "[User:Name]", "ÆØÅ [user:nmae]\r\n[foo:bar]", "[a:[b:c]]", "\xff[user:name]\xfe",
		AccountInvitationDefault,
	} {
		f.Add(seed)
	}
	allowed := append(slices.Clone(mfTestAllowed), "a:b", "b:c", "participant:cpr", "party:name")
	f.Fuzz(func(t *testing.T, text string) {
		tpl, err := ParseTemplate(text, allowed)
		if err != nil {
			if tpl != nil {
				t.Fatal("template and error both returned")
			}
			fes := MergeFieldErrors(err)
			if len(fes) == 0 {
				t.Fatalf("an error without FieldErrors: %v", err)
			}
			for _, fe := range fes {
				if fe.Line < 1 || fe.Col < 1 || fe.Key == "" || !strings.Contains(Translate(fe.Refusal()), "["+fe.Field+"]") {
					t.Fatalf("bad FieldError %+v", fe)
				}
				// mfAt finds nothing outside the text, so this also
				// bounds the line and column; invalid UTF-8 counts a
				// column per bad byte on both sides.
				if !strings.HasPrefix(mfAt(text, fe.Line, fe.Col), "["+fe.Field+"]") {
					t.Fatalf("error %q does not point at its field in %q", fe.Key, text)
				}
			}
			return
		}
		for _, f := range tpl.Fields() {
			if !slices.Contains(allowed, f) {
				t.Fatalf("field %q is not allowed", f)
			}
		}
		values := map[string]string{}
		for _, f := range allowed {
			values[f] = "X"
		}
		for _, escape := range []func(string) string{PlainText, html.EscapeString} {
			out, err := tpl.Render(values, escape)
			if err != nil {
				t.Fatalf("Render with every value set: %v", err)
			}
			for _, f := range allowed {
				if strings.Contains(out, "["+f+"]") {
					t.Fatalf("[%s] left in %q", f, out)
				}
			}
			if len(tpl.Fields()) == 0 && out != text {
				t.Fatalf("a template without fields rendered %q, not its text %q", out, text)
			}
		}
		out, err := tpl.HTML().Render(values, html.EscapeString)
		if err != nil {
			t.Fatalf("HTML().Render: %v", err)
		}
		for _, f := range allowed {
			if strings.Contains(out, "["+f+"]") {
				t.Fatalf("[%s] left in the HTML %q", f, out)
			}
		}
		for _, ch := range []string{"email", "sms", "digitalpost"} {
			_ = CheckChannelFields(tpl, ch)
		}
	})
}
