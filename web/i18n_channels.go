package web

// Messages of the channels: the dev mailbox's SMS and Digital Post, the
// message log, failed messages.
func init() {
	for lang, m := range map[string]map[string]string{
		danish: {
			"mailbox.channel.email":       "E-mail",
			"mailbox.channel.sms":         "Sms",
			"mailbox.channel.digitalpost": "Digital Post",
			"mailbox.reply":               "Svar fra personen",
			"mailbox.answered":            "Appens svar på sms'en",
			"mailbox.sms.yes":             "Svar JA som personen",
			"mailbox.sms.no":              "Svar NEJ som personen",
		},
		english: {
			"mailbox.channel.email":       "E-mail",
			"mailbox.channel.sms":         "SMS",
			"mailbox.channel.digitalpost": "Digital Post",
			"mailbox.reply":               "Reply from the person",
			"mailbox.answered":            "The app's answer to the SMS",
			"mailbox.sms.yes":             "Reply YES as the person",
			"mailbox.sms.no":              "Reply NO as the person",
		},
	} {
		for k, v := range m {
			messages[lang][k] = v
		}
	}
}
