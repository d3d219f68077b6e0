package web

// The texts of the message template pages (templates_admin.go). They live in
// a file of their own and join the messages map at start-up, before New
// runs.
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"templates.invitation.title":              "Kontomail",
			"templates.intro":                         "Den e-mail, en ny bruger får med et engangslink til at vælge sin adgangskode. Skriv almindelig tekst; en tom linje starter et nyt afsnit. Flettefelterne i firkantede parenteser udfyldes, når mailen sendes.",
			"templates.custom":                        "Kommunen bruger sin egen tekst.",
			"templates.default":                       "Kommunen bruger standardteksten.",
			"templates.subject":                       "Emne",
			"templates.body":                          "Tekst",
			"templates.save":                          "Gem",
			"templates.preview":                       "Forhåndsvis",
			"templates.reset":                         "Nulstil til standardteksten",
			"templates.saved":                         "Skabelonen er gemt. Den bruges i de næste kontomails.",
			"templates.wasreset":                      "Skabelonen er nulstillet. De næste kontomails bruger standardteksten.",
			"templates.errors":                        "Skabelonen er ikke gemt. Ret følgende:",
			"templates.fields":                        "Flettefelter",
			"templates.fields.intro":                  "Skriv et flettefelt præcis som vist, med små bogstaver. CPR-numre og partitilhørsforhold kan aldrig flettes ind i en e-mail.",
			"templates.preview.title":                 "Forhåndsvisning",
			"templates.preview.intro":                 "Sådan ser mailen ud for en fiktiv modtager. Linkene er eksempler.",
			"templates.preview.unsaved":               "Forhåndsvisningen er ikke gemt. Tryk Gem for at bruge teksten.",
			"templates.preview.subject":               "Emne:",
			"templates.preview.text":                  "Tekstudgave",
			"templates.field.user:name":               "Modtagerens navn",
			"templates.field.site:name":               "Kommunens navn",
			"templates.field.user:one-time-login-url": "Engangslinket, hvor modtageren vælger sin adgangskode (skal med)",
			"templates.field.site:login-url":          "Adressen på Valghallas login-side",
		},
		english: {
			"templates.invitation.title":              "Account e-mail",
			"templates.intro":                         "The e-mail a new user gets with a one-time link to choose a password. Write plain text; a blank line starts a new paragraph. The merge fields in square brackets are filled in when the e-mail is sent.",
			"templates.custom":                        "The municipality uses its own text.",
			"templates.default":                       "The municipality uses the default text.",
			"templates.subject":                       "Subject",
			"templates.body":                          "Text",
			"templates.save":                          "Save",
			"templates.preview":                       "Preview",
			"templates.reset":                         "Reset to the default text",
			"templates.saved":                         "The template is saved. The next account e-mails use it.",
			"templates.wasreset":                      "The template is reset. The next account e-mails use the default text.",
			"templates.errors":                        "The template was not saved. Please correct the following:",
			"templates.fields":                        "Merge fields",
			"templates.fields.intro":                  "Write a merge field exactly as shown, in lower case. CPR numbers and party affiliation can never be merged into an e-mail.",
			"templates.preview.title":                 "Preview",
			"templates.preview.intro":                 "This is how the e-mail looks to a fictitious recipient. The links are examples.",
			"templates.preview.unsaved":               "The preview is not saved. Press Save to use the text.",
			"templates.preview.subject":               "Subject:",
			"templates.preview.text":                  "Text version",
			"templates.field.user:name":               "The recipient's name",
			"templates.field.site:name":               "The municipality's name",
			"templates.field.user:one-time-login-url": "The one-time link where the recipient chooses a password (required)",
			"templates.field.site:login-url":          "The address of Valghalla's login page",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
