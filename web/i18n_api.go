package web

// The texts of the JSON API's own errors (api.go); the store's validation
// messages come in Danish from the store.
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"api.unauthenticated": "Log ind, eller send en API-nøgle som Authorization: Bearer <nøgle>.",
			"api.badtoken":        "API-nøglen er ukendt eller trukket tilbage.",
			"api.forbidden":       "Din rolle giver ikke adgang til dette.",
			"api.csrf":            "Send sessionens CSRF-token i headeren X-CSRF-Token.",
			"api.malformed":       "Forespørgslen er ikke gyldig JSON af den forventede form: %s",
			"api.notfound":        "Findes ikke.",
			"api.stale":           "Ændret af en anden, siden du hentede det. Hent den nye version og prøv igen.",
			"api.confirm":         "Ændringen fjerner %d tomme pladser. Send den igen med \"confirm\": true for at gennemføre den.",
			"api.failed":          "Der skete en fejl på serveren.",
			"api.invalid":         "Ret de markerede felter.",
			"api.badtext":         "Feltet »%s« indeholder tegn, der ikke er gyldig tekst (UTF-8 uden kontroltegn). Intet er gemt.",
			"api.badtext.field":   "Indeholder tegn, der ikke er gyldig tekst (UTF-8 uden kontroltegn).",
		},
		english: {
			"api.unauthenticated": "Log in, or send an API token as Authorization: Bearer <token>.",
			"api.badtoken":        "The API token is unknown or revoked.",
			"api.forbidden":       "Your role does not give access to this.",
			"api.csrf":            "Send the session's CSRF token in the X-CSRF-Token header.",
			"api.malformed":       "The request is not valid JSON of the expected shape: %s",
			"api.notfound":        "Not found.",
			"api.stale":           "Changed by someone else since you fetched it. Fetch the new version and try again.",
			"api.confirm":         "The change removes %d empty slots. Send it again with \"confirm\": true to go ahead.",
			"api.failed":          "Something went wrong on the server.",
			"api.invalid":         "Correct the fields marked.",
			"api.badtext":         "The field “%s” contains characters that are not valid text (UTF-8 without control characters). Nothing was saved.",
			"api.badtext.field":   "Contains characters that are not valid text (UTF-8 without control characters).",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
