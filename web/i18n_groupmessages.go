package web

// The texts of the group message page (groupmessages.go). They live in a
// file of their own and join the messages map at start-up, before New runs.
func init() {
	for l, texts := range map[string]map[string]string{
		danish: {
			"groupmsg.link":                   "Gruppebeskeder",
			"groupmsg.title":                  "Beskeder til deltagere",
			"groupmsg.intro":                  "Skriv én besked til alle i valget, der passer til afgrænsningen. Hver person får den én gang, uanset hvor mange pladser de har, ad den bedste kanal: Digital Post, e-mail eller SMS.",
			"groupmsg.sent.title":             "Sendte beskeder",
			"groupmsg.none":                   "Der er ikke sendt nogen beskeder i dette valg endnu.",
			"groupmsg.col.when":               "Sendt",
			"groupmsg.col.subject":            "Emne",
			"groupmsg.col.progress":           "Fremdrift",
			"groupmsg.counts":                 "%d modtagere · %d sendt · %d fejlet",
			"groupmsg.refresh":                "Opdater status",
			"groupmsg.new":                    "Ny besked",
			"groupmsg.filter.intro":           "Vælg, hvem beskeden skal til. Intet valgt i en gruppe betyder alle.",
			"groupmsg.filter.states":          "Status",
			"groupmsg.subject.note":           "Emnet bruges i e-mail og Digital Post. En SMS indeholder kun teksten.",
			"groupmsg.preview":                "Vis modtagere",
			"groupmsg.send":                   "Send beskeden",
			"groupmsg.sent":                   "Beskeden sendes nu. Fremdriften vises nedenfor.",
			"groupmsg.errors":                 "Beskeden er ikke sendt. Ret følgende:",
			"groupmsg.recipients":             "Modtagere",
			"groupmsg.recipients.count":       "Antal modtagere: %d.",
			"groupmsg.recipients.more":        "Viser de første %d navne.",
			"groupmsg.field.participant:name": "Modtagerens navn",
			"groupmsg.field.site:name":        "Kommunens navn",
			"groupmsg.field.election:name":    "Valgets navn",
		},
		english: {
			"groupmsg.link":                   "Group messages",
			"groupmsg.title":                  "Messages to participants",
			"groupmsg.intro":                  "Write one message to everyone in the election who matches the filter. Each person gets it once, however many slots they hold, on the best channel: Digital Post, e-mail or SMS.",
			"groupmsg.sent.title":             "Sent messages",
			"groupmsg.none":                   "No messages have been sent in this election yet.",
			"groupmsg.col.when":               "Sent",
			"groupmsg.col.subject":            "Subject",
			"groupmsg.col.progress":           "Progress",
			"groupmsg.counts":                 "%d recipients · %d sent · %d failed",
			"groupmsg.refresh":                "Refresh status",
			"groupmsg.new":                    "New message",
			"groupmsg.filter.intro":           "Choose who the message is for. Nothing chosen in a group means all.",
			"groupmsg.filter.states":          "Status",
			"groupmsg.subject.note":           "The subject is used in e-mail and Digital Post. An SMS holds the text only.",
			"groupmsg.preview":                "Show recipients",
			"groupmsg.send":                   "Send the message",
			"groupmsg.sent":                   "The message is being sent. Its progress shows below.",
			"groupmsg.errors":                 "The message was not sent. Correct the following:",
			"groupmsg.recipients":             "Recipients",
			"groupmsg.recipients.count":       "Recipients: %d.",
			"groupmsg.recipients.more":        "Showing the first %d names.",
			"groupmsg.field.participant:name": "The recipient's name",
			"groupmsg.field.site:name":        "The municipality's name",
			"groupmsg.field.election:name":    "The election's name",
		},
	} {
		for k, v := range texts {
			messages[l][k] = v
		}
	}
}
