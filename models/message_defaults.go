package models

// The shipped Danish texts of every kind of message on every channel it goes
// by, and the merge fields each kind offers and requires. The municipality
// may replace any of them (MessageTemplate); these are what is sent until it
// does, and what "nulstil" returns to.

// The channels a template is written for (the values of Channel): an
// e-mail has a subject and a plain-text body (its HTML part made with
// Template.HTML); a Digital Post letter has a title (the subject) and a body
// rendered to HTML; an SMS has a short body only.
const (
	tplEmail       = string(ChannelEmail)
	tplDigitalPost = string(ChannelDigitalPost)
	tplSMS         = string(ChannelSMS)
)

// TemplateChannels lists every channel in the order pages show them.
var TemplateChannels = []string{tplEmail, tplDigitalPost, tplSMS}

// Message kinds beside the lifecycle's (lifecycle_messages.go) and the
// account invitation (message_template.go).
const (
	// KindReplacementNotice tells a party secretary that one of the slots
	// their party filled is open again: the person declined or did not
	// answer in time, and the slot was reopened or a reserve invited. It
	// names the slot, never the person: the secretary knows whom they
	// nominated, and an e-mail must never tie a person to a party.
	KindReplacementNotice = "replacement_notice"
	// KindGroupMessage is staff's own text to many people at once; the
	// default is only the frame around the text staff write.
	KindGroupMessage = "group_message"
)

// ReplacementNoticeFields are the merge fields of the replacement notice.
// [user:name] is the secretary, the recipient; the site:* fields are the
// municipality's (SiteFields).
var ReplacementNoticeFields = []string{
	"user:name",
	"site:name",
	"site:address",
	"site:phone",
	"site:email",
	"election:name",
	"task:name",
	"task:date",
	"station:name",
	"overview:link",
}

// GroupMessageFields are the merge fields of a group message; the site:*
// fields are the municipality's (SiteFields).
var GroupMessageFields = []string{
	"participant:name",
	"site:name",
	"site:address",
	"site:phone",
	"site:email",
	"election:name",
}

// MessageKinds lists every kind of message in the order pages show them.
var MessageKinds = []string{
	KindInvitation,
	KindInvitationReminder,
	KindConfirmation,
	KindCancellationConfirmation,
	KindTaskReminder,
	KindEveningReminder,
	KindMorningReminder,
	KindRetractedInvitation,
	KindRemovedFromTask,
	KindRemovedByValidation,
	KindReplacementNotice,
	KindGroupMessage,
	KindDayOffer,
	KindDayOfferTaken,
	KindDayReplaced,
	KindDayEscalation,
	KindAccountInvitation,
	KindPasswordReset,
}

// MessageText is a template's subject and body. Subject is empty for SMS.
type MessageText struct{ Subject, Body string }

// MessageFields returns the merge fields a kind offers, nil for an unknown
// kind.
func MessageFields(kind string) []string {
	switch kind {
	case KindAccountInvitation, KindPasswordReset:
		return AccountInvitationFields
	case KindReplacementNotice:
		return ReplacementNoticeFields
	case KindGroupMessage:
		return GroupMessageFields
	case KindDayOffer, KindDayOfferTaken, KindDayReplaced, KindDayEscalation:
		return DayReplacementFields
	}
	if _, ok := MessageDefaults[kind]; ok {
		return LifecycleFields
	}
	return nil
}

// RequiredFields returns the fields a kind's template on a channel cannot do
// without: a person who is asked must be able to answer, and a new user must
// be able to log in.
func RequiredFields(kind, channel string) []string {
	switch kind {
	case KindInvitation, KindInvitationReminder:
		if channel == tplSMS {
			// The code lets a reply by SMS find the invitation it answers.
			return []string{"answer:link", "answer:code"}
		}
		return []string{"answer:link"}
	case KindAccountInvitation, KindPasswordReset:
		return []string{"user:one-time-login-url"}
	}
	return nil
}

// smsSignature ends every SMS: short, and says who writes.
const smsSignature = "\nHilsen [site:name]"

// MessageDefaults holds the shipped Danish text per kind and channel. A
// channel missing under a kind is one the kind never goes by.
//
// The Digital Post letters say what the e-mails say: both reach the same
// person about the same thing, one by letter box, one by inbox. The SMS
// texts fit in two or three GSM-7 segments with real values; they avoid
// [task:time] and [station:address], which are long and whose values may
// hold a dash outside GSM-7 (turning the whole SMS into UCS-2 and doubling
// its segments), and point to the answer page for the details.
var MessageDefaults = map[string]map[string]MessageText{
	KindInvitation: {
		tplEmail:       MessageText(LifecycleDefaults[KindInvitation]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindInvitation]),
		tplSMS: {Body: "Kære [participant:name], vil du hjælpe som [task:name] ved [election:name] [task:date] på [station:name]? " +
			"Svar JA [answer:code] eller NEJ [answer:code] senest [answer:deadline]. Læs mere og svar her: [answer:link]" + smsSignature},
	},
	KindInvitationReminder: {
		tplEmail:       MessageText(LifecycleDefaults[KindInvitationReminder]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindInvitationReminder]),
		tplSMS: {Body: "Kære [participant:name], vi mangler dit svar. Vil du hjælpe som [task:name] ved [election:name] [task:date]? " +
			"Svar JA [answer:code] eller NEJ [answer:code] senest [answer:deadline], eller her: [answer:link]" + smsSignature},
	},
	KindConfirmation: {
		tplEmail:       MessageText(LifecycleDefaults[KindConfirmation]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindConfirmation]),
		tplSMS: {Body: "Tak, [participant:name]! Du er nu [task:name] ved [election:name] [task:date] på [station:name]. " +
			"Se opgaven her: [answer:link]" + smsSignature},
	},
	KindCancellationConfirmation: {
		tplEmail:       MessageText(LifecycleDefaults[KindCancellationConfirmation]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindCancellationConfirmation]),
		tplSMS: {Body: "Kære [participant:name], vi har modtaget din afmelding som [task:name] ved [election:name] [task:date]. Tak for besked.[answer:removal]" +
			smsSignature},
	},
	KindTaskReminder: {
		tplEmail:       MessageText(LifecycleDefaults[KindTaskReminder]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindTaskReminder]),
		tplSMS: {Body: "Kære [participant:name], husk at du er [task:name] ved [election:name] [task:date] på [station:name]. " +
			"Se tid og sted her: [answer:link]" + smsSignature},
	},
	KindEveningReminder: {
		tplEmail:       MessageText(LifecycleDefaults[KindEveningReminder]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindEveningReminder]),
		tplSMS: {Body: "I morgen er du [task:name] ved [election:name] på [station:name]. Tak fordi du hjælper!" +
			smsSignature},
	},
	KindMorningReminder: {
		tplEmail:       MessageText(LifecycleDefaults[KindMorningReminder]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindMorningReminder]),
		tplSMS: {Body: "I dag er du [task:name] ved [election:name] på [station:name]. Er du forhindret, så ring straks til [site:phone]." +
			smsSignature},
	},
	KindRetractedInvitation: {
		tplEmail:       MessageText(LifecycleDefaults[KindRetractedInvitation]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindRetractedInvitation]),
		tplSMS: {Body: "Kære [participant:name], vi har trukket invitationen til at være [task:name] ved [election:name] tilbage. " +
			"Du skal ikke gøre noget." + smsSignature},
	},
	KindRemovedFromTask: {
		tplEmail:       MessageText(LifecycleDefaults[KindRemovedFromTask]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindRemovedFromTask]),
		tplSMS: {Body: "Kære [participant:name], du er ikke længere [task:name] ved [election:name] [task:date]. " +
			"Har du spørgsmål, så kontakt valgsekretariatet." + smsSignature},
	},
	KindRemovedByValidation: {
		tplEmail:       MessageText(LifecycleDefaults[KindRemovedByValidation]),
		tplDigitalPost: MessageText(LifecycleDefaults[KindRemovedByValidation]),
		tplSMS: {Body: "Kære [participant:name], efter reglerne for [election:name] kan du ikke være [task:name], " +
			"og du er derfor fjernet fra opgaven. Har du spørgsmål, så kontakt valgsekretariatet." + smsSignature},
	},
	KindReplacementNotice: {
		tplEmail: {"En plads er ledig igen: [task:name] på [station:name]", `Kære [user:name],

En af dem, I har indstillet som [task:name] på [station:name] ved [election:name] [task:date], har meldt fra eller har ikke svaret i tide. Pladsen er derfor åbnet igen, eller vi har inviteret en reserve i stedet.

Se pladsen, og indstil gerne en ny, på oversigten:

[overview:link]

Tak for hjælpen.

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	},
	KindGroupMessage: {
		tplEmail:       {"Besked om [election:name]", groupMessageSkeleton},
		tplDigitalPost: {"Besked om [election:name]", groupMessageSkeleton},
		tplSMS:         {Body: "Kære [participant:name], skriv beskeden her." + smsSignature},
	},
	// The day's messages are short and urgent: an SMS to someone who may
	// come within the hour, with no name of the person who did not come.
	KindDayOffer: {
		tplSMS: {Body: "Kan du møde som [task:name] på [station:name] kl. [offer:time] i dag? Svar JA hvis du kan." + smsSignature},
	},
	KindDayOfferTaken: {
		tplSMS: {Body: "Tak for dit svar. Pladsen på [station:name] er allerede taget, så du skal ikke møde." + smsSignature},
	},
	KindDayReplaced: {
		tplSMS: {Body: "Afløser til [station:name]: [replacement:name], tlf. [replacement:phone], kommer som [task:name] kl. [offer:time]." + smsSignature},
		tplEmail: {"Afløser til [station:name]: [replacement:name]", `[replacement:name] (tlf. [replacement:phone]) har sagt ja til at komme som [task:name] på [station:name] kl. [offer:time] i stedet for en, der er meldt fraværende ved [election:name].

Med venlig hilsen
Valghalla, [site:name]
`},
	},
	KindDayEscalation: {
		// True both at the deadline and earlier, when everyone asked said
		// NEJ and nobody was left to ask (workflows.DayDeclineSignal).
		tplSMS: {Body: "Vi har ikke fundet en afløser som [task:name] på [station:name]: ingen af dem, vi har spurgt, har sagt ja. Valgsekretariatet er orienteret." + smsSignature},
		tplEmail: {"Ingen afløser fundet: [task:name] på [station:name]", `Der er ikke fundet en afløser som [task:name] på [station:name] ved [election:name], efter at en person blev meldt fraværende: ingen af dem, der blev spurgt, har sagt ja. Søgningen stopper, når alle har sagt nej og der ikke er flere at spørge, og ellers efter [search:minutes] minutter.

Kontakt stationens ledelse og find en afløser på anden vis.

Med venlig hilsen
Valghalla, [site:name]
`},
	},
	KindAccountInvitation: {
		tplEmail: {AccountInvitationSubjectDefault, AccountInvitationDefault},
	},
	KindPasswordReset: {
		tplEmail: {PasswordResetSubjectDefault, PasswordResetDefault},
	},
}

// groupMessageSkeleton frames the text staff write for a group message.
const groupMessageSkeleton = `Kære [participant:name],

Skriv beskeden her.

Med venlig hilsen
Valgsekretariatet, [site:name]
`

// ExampleValues are fictitious values for every merge field, for previews
// and tests: a made-up person and slot, the given municipality and
// election names, the secretariat's contact details not given (NotGiven;
// WithSite fills in the real ones) and links on baseURL. They are as long as real values, so
// an SMS counted with them is counted right.
func ExampleValues(site, election, baseURL string) map[string]string {
	return map[string]string{
		"participant:name":        "Karen Mortensen",
		"user:name":               "Mette Fiktiv",
		"site:name":               site,
		"site:address":            NotGiven,
		"site:phone":              NotGiven,
		"site:email":              NotGiven,
		"election:name":           election,
		"task:name":               "Tilforordnet",
		"task:date":               "tirsdag den 16. november 2027",
		"task:time":               "kl. 07:30–20:00",
		"station:name":            "Rådhushallen",
		"station:address":         "Torvet 1, 7000 Fredericia",
		"answer:link":             baseURL + "/svar/3f9c2a7e41b8d06c5e1f9a2b7c4d8e03a6f1b9c2d7e4a08f5c3b1e9d6a2f7c40",
		"answer:code":             "4821",
		"answer:deadline":         "05.11.2027 kl. 12:00",
		RemovalField:              RemovalValue(DeclineRemoveMe),
		"overview:link":           baseURL + "/oversigt",
		"user:one-time-login-url": baseURL + "/konto/aktiver/eksempel-paa-et-engangslink",
		"site:login-url":          baseURL + "/login",
		"offer:time":              "08:15",
		"replacement:name":        "Karen Mortensen",
		"replacement:phone":       "+45 12 34 56 78",
		"search:minutes":          "60",
	}
}
