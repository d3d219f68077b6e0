package models

// The messages of a person's lifecycle (DOMAIN.md, "Messages and
// lifecycle"). Each kind has a Danish default text; the municipality may
// replace it per election and task type (message_templates). The texts name
// the task, never a party, and hold no CPR number, so they may go by e-mail.
const (
	KindInvitation               = "invitation"
	KindInvitationReminder       = "invitation_reminder"
	KindConfirmation             = "confirmation"
	KindCancellationConfirmation = "cancellation_confirmation"
	KindTaskReminder             = "task_reminder"
	KindEveningReminder          = "evening_reminder"
	// KindMorningReminder goes on the task day, a couple of hours before
	// the task starts (LifecycleSchedule.MorningReminder).
	KindMorningReminder     = "morning_reminder"
	KindRetractedInvitation = "retracted_invitation"
	KindRemovedFromTask     = "removed_from_task"
	KindRemovedByValidation = "removed_by_validation"
)

// LifecycleFields are the merge fields every lifecycle message offers.
// [task:date] is a long Danish date with its weekday ("tirsdag den 16.
// november 2027"), so a text writes "ved valget [task:date]", not "den
// [task:date]". [site:address], [site:phone] and [site:email] are the
// election secretariat's contact details from the municipality's settings
// (SiteFields), "ikke oplyst" when not set.
var LifecycleFields = []string{
	"participant:name",
	"site:name",
	"site:address",
	"site:phone",
	"site:email",
	"election:name",
	"task:name",
	"task:date",
	"task:time",
	"station:name",
	"station:address",
	"answer:link",
	"answer:deadline",
	// answer:code is the invitation's short code: a reply by SMS names it
	// ("JA 4821") when the person has more than one open invitation.
	"answer:code",
	// answer:removal is, in the confirmation of a "Nej, og fjern mig fra
	// listen", the sentence that says the person is off the list
	// (RemovedFromListSentence, with a leading space); empty otherwise.
	RemovalField,
}

// LifecycleDefault is a kind's default e-mail: subject and body.
type LifecycleDefault = MessageText

// LifecycleDefaults holds the shipped Danish e-mail texts per kind.
var LifecycleDefaults = map[string]LifecycleDefault{
	KindInvitation: {"Vil du hjælpe til ved [election:name]?", `Kære [participant:name],

Du er indstillet til at hjælpe ved [election:name] som [task:name].

Hvor: [station:name], [station:address]
Hvornår: [task:date], [task:time]

Svar senest [answer:deadline] på dette link, hvor du også kan se opgaven:

[answer:link]

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindInvitationReminder: {"Påmindelse: vil du hjælpe til ved [election:name]?", `Kære [participant:name],

Vi har endnu ikke fået dit svar på, om du vil hjælpe ved [election:name] som [task:name] på [station:name] [task:date].

Svar senest [answer:deadline] her:

[answer:link]

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindConfirmation: {"Tak for din tilmelding til [election:name]", `Kære [participant:name],

Tak fordi du vil hjælpe. Du er nu registreret som [task:name] ved [election:name].

Hvor: [station:name], [station:address]
Hvornår: [task:date], [task:time]

Du kan se opgaven og melde afbud her, indtil kort før valget:

[answer:link]

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindCancellationConfirmation: {"Din afmelding er modtaget", `Kære [participant:name],

Vi har modtaget din afmelding som [task:name] ved [election:name] [task:date]. Tak for besked.[answer:removal]

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindTaskReminder: {"Påmindelse: [election:name] [task:date]", `Kære [participant:name],

Husk at du er [task:name] ved [election:name].

Hvor: [station:name], [station:address]
Hvornår: [task:date], [task:time]

Opgaven: [answer:link]

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindEveningReminder: {"I morgen: [election:name]", `Kære [participant:name],

I morgen er du [task:name] ved [election:name] på [station:name], [station:address], [task:time].

Tak fordi du hjælper.

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindMorningReminder: {"I dag: [election:name]", `Kære [participant:name],

I dag er du [task:name] ved [election:name].

Hvor: [station:name], [station:address]
Hvornår: [task:time]

Meld dig hos valgstyreren, når du kommer. Er du forhindret, så ring straks til valgsekretariatet på [site:phone].

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindRetractedInvitation: {"Invitationen til [election:name] er trukket tilbage", `Kære [participant:name],

Vi har trukket invitationen til at være [task:name] ved [election:name] [task:date] tilbage. Du skal ikke foretage dig noget.

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindRemovedFromTask: {"Du er fjernet fra en opgave ved [election:name]", `Kære [participant:name],

Du er ikke længere [task:name] ved [election:name] [task:date] på [station:name]. Har du spørgsmål, så kontakt valgsekretariatet.

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
	KindRemovedByValidation: {"Du kan ikke være [task:name] ved [election:name]", `Kære [participant:name],

Vi har kontrolleret oplysningerne i CPR-registeret før valget. Efter reglerne for [election:name] kan du ikke være [task:name], og du er derfor fjernet fra opgaven [task:date]. Har du spørgsmål, så kontakt valgsekretariatet.

Med venlig hilsen
Valgsekretariatet, [site:name]
`},
}
