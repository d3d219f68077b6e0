package web

// The refusal of a form with text that cannot be stored (formtext.go).
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"formtext.title": "Formularen indeholder ugyldige tegn",
			"formtext.body":  "Feltet »%s« indeholder tegn, der ikke er gyldig tekst (UTF-8 uden kontroltegn). Intet er gemt. Gå tilbage, ret feltet, og prøv igen.",
		},
		english: {
			"formtext.title": "The form contains invalid characters",
			"formtext.body":  "The field “%s” contains characters that are not valid text (UTF-8 without control characters). Nothing was saved. Go back, correct the field and try again.",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
