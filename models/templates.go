package models

// The account invitation: the e-mail a new party secretary (or other user)
// gets with a one-time login link. Adapted from the Fredericia e-mail in
// seeds/004 (DOMAIN.md, "Messages and lifecycle"): the municipality is the
// merge field [site:name] (e.g. "Fredericia Kommune"), the law is the one in
// force since 2018, and the seed's slips are mended. It names no party and
// holds no CPR number, so it may go by e-mail.

// AccountInvitationFields are the merge fields the account invitation
// offers; the site:* fields are the municipality's (SiteFields).
var AccountInvitationFields = []string{
	"user:name",
	"site:name",
	"site:address",
	"site:phone",
	"site:email",
	"user:one-time-login-url",
	"site:login-url",
}

// AccountInvitationSubjectDefault is the Danish default subject.
const AccountInvitationSubjectDefault = "Din konto til Valghalla – [site:name]"

// AccountInvitationDefault is the Danish default text (plain text; the HTML
// body is made from it with Template.HTML).
const AccountInvitationDefault = `Kære [user:name],

Tak fordi du vil hjælpe dit parti og [site:name] med at rekruttere tilforordnede til valget. I Valghalla kan du online indberette og håndtere oplysningerne om dem, du rekrutterer for det parti, du repræsenterer. Det gør forhåbentlig opgaven nemmere for alle parter.

Samarbejdet mellem kommunen og de politiske partier kræver, at vi holder et højt datasikkerhedsniveau. Efter databeskyttelsesforordningen og databeskyttelsesloven er der tale om følsomme personoplysninger, når CPR-oplysninger og partioplysninger optræder sammen. Det er derfor meget vigtigt, at du passer godt på de oplysninger, du indsamler og håndterer for kommunen, og at du ikke giver din adgangskode til andre. Hver bruger skal have sit eget login.

Følgende oplysninger må du ikke dele med andre end kommunen:
- CPR-numre
- adresseoplysninger, herunder e-mailadresser
- telefonnumre

De oplysninger, du indberetter, bør som udgangspunkt svare til offentligt tilgængelige kontaktoplysninger. Har en person adressebeskyttelse eller lignende, skal du være særligt påpasselig. Vi oplyser selv de tilforordnede om, hvilke oplysninger vi har registreret om dem, når de bekræfter deres deltagelse.

Af hensyn til datasikkerheden kan du indberette CPR-numre, men du kan ikke se dem i systemet bagefter. Kommunen gennemgår kun oplysningerne i Valghalla i forbindelse med bemandingen af valget.

[site:name] har oprettet en konto til dig i Valghalla. Du logger ind første gang ved at klikke på dette link eller kopiere det ind i en browser:

[user:one-time-login-url]

Linket kan kun bruges én gang og fører dig til en side, hvor du vælger din adgangskode. Brug det inden 7 dage, ellers udløber det.

Når du har valgt din adgangskode, logger du fremover ind på [site:login-url] med:

Brugernavn: [user:name]

Med venlig hilsen

Valgsekretariatet
[site:name]
`
