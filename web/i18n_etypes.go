package web

// The texts of the election types page (electiontypes.go), merged into
// messages at start-up like i18n_templates.go.
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"etypes.title":                    "Valgtyper",
			"etypes.link":                     "Valgtyper og valgret",
			"etypes.intro":                    "Reglerne for, hvem der har valgret og derfor kan få en opgave ved hver valgtype. Reglerne følger loven; at personen lever, kontrolleres altid. Ændringer gælder for nye indstillinger og for kontrollen før valget.",
			"etypes.readonly":                 "Kun administratorer kan ændre reglerne.",
			"etypes.name":                     "Valgtype",
			"etypes.min_age":                  "Mindstealder på valgdagen",
			"etypes.citizenship":              "Statsborgerskab",
			"etypes.citizenship.dk":           "Dansk",
			"etypes.citizenship.dk_eu_nordic": "Dansk, andet EU, islandsk eller norsk",
			"etypes.citizenship.dk_eu":        "Dansk eller andet EU",
			"etypes.residence_years":          "År med fast bopæl i Danmark, der giver valgret",
			"etypes.residence.none":           "Giver ikke valgret",
			"etypes.residence.hint":           "Andre statsborgere får valgret efter så mange års uafbrudt bopæl i Danmark før valgdagen. 0: bopæl giver ikke valgret.",
			"etypes.guardianship":             "Værgemål udelukker",
			"etypes.guardianship.long":        "Værgemål med fratagelse af den retlige handleevne udelukker",
			"etypes.municipality":             "Skal bo i kommunen",
			"etypes.municipality.long":        "Personen skal bo i kommunen",
			"etypes.edit":                     "Ret",
			"etypes.save":                     "Gem",
			"etypes.reset":                    "Nulstil til lovens regler",
			"etypes.saved":                    "Reglerne er gemt.",
			"etypes.wasreset":                 "Reglerne er nulstillet til lovens regler.",
			"etypes.errors":                   "Reglerne er ikke gemt. Ret felterne herunder.",
			"etypes.stale":                    "En anden har ændret valgtypen, siden du åbnede siden. Her er de nye regler; ret dem igen, hvis det stadig er nødvendigt.",
		},
		english: {
			"etypes.title":                    "Election types",
			"etypes.link":                     "Election types and the right to vote",
			"etypes.intro":                    "The rules of who has the vote, and so may take a task, at each election type. They follow the law; being alive is always checked. Changes apply to new nominations and to the check before the election.",
			"etypes.readonly":                 "Only administrators can change the rules.",
			"etypes.name":                     "Election type",
			"etypes.min_age":                  "Minimum age on election day",
			"etypes.citizenship":              "Citizenship",
			"etypes.citizenship.dk":           "Danish",
			"etypes.citizenship.dk_eu_nordic": "Danish, other EU, Icelandic or Norwegian",
			"etypes.citizenship.dk_eu":        "Danish or other EU",
			"etypes.residence_years":          "Years of residence in Denmark that give the vote",
			"etypes.residence.none":           "Does not give the vote",
			"etypes.residence.hint":           "Other citizens get the vote after this many years of continuous residence in Denmark before election day. 0: residence does not give the vote.",
			"etypes.guardianship":             "Guardianship excludes",
			"etypes.guardianship.long":        "Guardianship with loss of legal capacity excludes",
			"etypes.municipality":             "Must live in the municipality",
			"etypes.municipality.long":        "The person must live in the municipality",
			"etypes.edit":                     "Edit",
			"etypes.save":                     "Save",
			"etypes.reset":                    "Reset to the law's rules",
			"etypes.saved":                    "The rules have been saved.",
			"etypes.wasreset":                 "The rules have been reset to the law's rules.",
			"etypes.errors":                   "The rules were not saved. Correct the fields below.",
			"etypes.stale":                    "Someone else changed this election type after you opened the page. These are the new rules; edit them again if still needed.",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
