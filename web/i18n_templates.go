package web

// The texts the message template editor (messages_admin.go) shares with
// the account e-mail's first editor (templates_admin.go). They live in
// a file of their own and join the messages map at start-up, before New
// runs.
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"templates.invitation.title":              "Kontomail",
			"templates.subject":                       "Emne",
			"templates.body":                          "Tekst",
			"templates.save":                          "Gem",
			"templates.preview":                       "Forhåndsvis",
			"templates.errors":                        "Skabelonen er ikke gemt. Ret følgende:",
			"templates.fields":                        "Flettefelter",
			"templates.preview.title":                 "Forhåndsvisning",
			"templates.preview.text":                  "Tekstudgave",
			"templates.field.user:name":               "Modtagerens navn",
			"templates.field.site:name":               "Kommunens navn",
			"templates.field.user:one-time-login-url": "Engangslinket, hvor modtageren vælger sin adgangskode (skal med)",
			"templates.field.site:login-url":          "Adressen på Valghallas login-side",
		},
		english: {
			"templates.invitation.title":              "Account e-mail",
			"templates.subject":                       "Subject",
			"templates.body":                          "Text",
			"templates.save":                          "Save",
			"templates.preview":                       "Preview",
			"templates.errors":                        "The template was not saved. Please correct the following:",
			"templates.fields":                        "Merge fields",
			"templates.preview.title":                 "Preview",
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
