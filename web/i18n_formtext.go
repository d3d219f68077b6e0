package web

// The refusal of a form with text that cannot be stored (formtext.go), and
// of a password chosen through a one-time link that login would refuse
// (users.go).
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"formtext.title":    "Formularen indeholder ugyldige tegn",
			"formtext.body":     "Feltet »%s« indeholder tegn, der ikke er gyldig tekst (UTF-8 uden kontroltegn). Intet er gemt. Gå tilbage, ret feltet, og prøv igen.",
			"activate.badchars": "Adgangskoden indeholder tegn, der ikke kan bruges (kontroltegn eller ugyldig UTF-8). Vælg en anden; linket virker stadig.",
			"activate.toolong":  "Adgangskoden er for lang (højst %d byte). Vælg en kortere; linket virker stadig.",
		},
		english: {
			"formtext.title":    "The form contains invalid characters",
			"formtext.body":     "The field “%s” contains characters that are not valid text (UTF-8 without control characters). Nothing was saved. Go back, correct the field and try again.",
			"activate.badchars": "The password contains characters that cannot be used (control characters or invalid UTF-8). Choose another; the link still works.",
			"activate.toolong":  "The password is too long (at most %d bytes). Choose a shorter one; the link still works.",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
