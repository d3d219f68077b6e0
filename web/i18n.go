package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
)

// The UI speaks Danish; English is a choice (?lang=en), remembered in a
// cookie. The browser's Accept-Language is not consulted: many Danish staff
// run English-language systems and still expect the municipality's Danish.
const (
	danish  = "da"
	english = "en"
)

var messages = map[string]map[string]string{
	danish: {
		"app.tagline":               "Bemanding af valg",
		"home.next":                 "Næste valg",
		"home.days":                 "%d dage til valgdagen",
		"home.today":                "Valgdagen er i dag",
		"home.noelection":           "Der er ikke planlagt noget valg.",
		"home.stations":             "Valgsteder",
		"col.district":              "Afstemningsområde",
		"col.station":               "Valgsted",
		"col.address":               "Adresse",
		"col.area":                  "Område",
		"nav.temporal":              "Temporal (drift)",
		"lang.other":                "English",
		"lang.other.code":           "en",
		"notfound.title":            "Siden findes ikke",
		"notfound.body":             "Tjek adressen, eller gå til forsiden.",
		"notfound.home":             "Til forsiden",
		"empty.title":               "Ingen kommune er sat op endnu",
		"empty.body":                "Databasen er tom. Kør valghalla migrate og opret kommunen.",
		"skip":                      "Gå til indhold",
		"stations.title":            "Valgsteder",
		"stations.edit":             "Valgsted",
		"stations.add":              "Opret valgsted",
		"stations.saved":            "Valgstedet er gemt.",
		"stations.name":             "Navn",
		"stations.address":          "Adresse",
		"stations.postal":           "Postnummer",
		"stations.city":             "By",
		"stations.district":         "Afstemningsområde nr.",
		"stations.area":             "Område",
		"stations.submit":           "Gem",
		"stations.stale":            "En anden har ændret valgstedet, siden du åbnede det. Her er den nye version – ret igen, og gem.",
		"nav.stations":              "Valgsteder",
		"users.totpreset.button":    "Nulstil (mistet telefon)",
		"users.totpreset":           "Totrinsbekræftelsen er nulstillet, og brugeren er logget ud. Brugeren kan slå den til igen efter næste login.",
		"participants.auditexport":  "Hent loggen som CSV (indsigtsanmodning)",
		"participants.ineligible":   "Personen kan ikke indstilles til %s:",
		"participants.channel":      "Foretrukken kanal",
		"participants.diet":         "Kosthensyn",
		"channel.default":           "Digital Post, ellers e-mail, ellers SMS",
		"channel.email":             "E-mail",
		"channel.sms":               "SMS",
		"channel.digitalpost":       "Digital Post",
		"secretaries.title":         "Anmod om en ekstra partisekretær",
		"secretaries.intro":         "Den nye partisekretær får kun adgang til de valgsteder, du vælger. Kommunen godkender anmodningen.",
		"secretaries.name":          "Navn",
		"secretaries.email":         "E-mail",
		"secretaries.stations":      "Valgsteder",
		"secretaries.submit":        "Send anmodning",
		"secretaries.sent.title":    "Anmodningen er sendt",
		"secretaries.sent":          "Kommunen behandler anmodningen. Når den er godkendt, får den nye partisekretær en mail med et link til sin konto.",
		"secretaries.requests":      "Anmodninger om partisekretærer",
		"secretaries.none":          "Ingen anmodninger venter.",
		"secretaries.party":         "Parti",
		"secretaries.requester":     "Anmodet af",
		"secretaries.approve":       "Godkend og send kontomail",
		"secretaries.reject":        "Afvis",
		"secretaries.approved":      "Anmodningen er godkendt, og kontomailen er på vej.",
		"secretaries.rejected":      "Anmodningen er afvist.",
		"nav.requests":              "Anmodninger",
		"nav.extra":                 "Anmod om ekstra partisekretær",
		"account.stations":          "Valgsteder",
		"account.allstations":       "Alle partiets valgsteder",
		"code.title":                "Kode fra din app",
		"code.label":                "Sekscifret kode",
		"code.submit":               "Log ind",
		"code.wrong":                "Koden er forkert eller allerede brugt. Tag den næste kode fra appen.",
		"totp.title":                "Totrinsbekræftelse",
		"totp.intro":                "Tilføj Valghalla i en godkendelsesapp (fx Microsoft Authenticator eller Google Authenticator): skan linket som QR-kode, eller skriv nøglen ind. Skriv derefter den kode, appen viser.",
		"totp.key":                  "Nøgle",
		"totp.link":                 "Link til appen",
		"totp.submit":               "Slå totrinsbekræftelse til",
		"totp.enabled":              "Totrinsbekræftelse er slået til. Du skal bruge en kode fra appen, hver gang du logger ind.",
		"nav.totp":                  "Totrinsbekræftelse",
		"nav.participants":          "Deltagere",
		"participants.title":        "Deltagere",
		"participants.new":          "Tilføj deltager",
		"participants.add":          "Tilføj deltager",
		"participants.cpr":          "CPR-nummer",
		"participants.cprhint":      "10 cifre, med eller uden bindestreg. Du kan ikke se nummeret igen bagefter.",
		"participants.mobile":       "Mobilnummer",
		"participants.email":        "E-mail",
		"participants.party":        "Parti eller pulje",
		"participants.submit":       "Tilføj",
		"participants.none":         "Der er ingen deltagere endnu.",
		"participants.name":         "Navn",
		"participants.parties":      "Partier og puljer",
		"participants.noregister":   "CPR-registret er ikke sat op, så der kan ikke tilføjes deltagere.",
		"participants.notfound":     "CPR-nummeret findes ikke i CPR-registret. Tjek nummeret.",
		"participants.registerdown": "CPR-registret svarer ikke lige nu. Prøv igen om lidt; intet er gemt.",
		"participants.dead":         "Personen er død ifølge CPR-registret og kan ikke tilføjes.",
		"participants.reveal":       "Vis fuldt CPR-nummer (logges)",
		"participants.audit":        "Log over personens data",
		"participants.audit.at":     "Tidspunkt",
		"participants.audit.action": "Handling",
		"users.new":                 "Ny bruger",
		"users.add":                 "Opret bruger",
		"users.name":                "Navn",
		"users.email":               "E-mail",
		"users.role":                "Rolle",
		"users.party":               "Parti (kun partisekretærer)",
		"users.noparty":             "Intet parti",
		"users.sendmail":            "Send kontomail med et engangslink (Påmind bruger om ny konto)",
		"users.submit":              "Opret",
		"users.created":             "Brugeren er oprettet.",
		"users.created.mail":        "Brugeren er oprettet, og kontomailen er på vej.",
		"users.created.nomail":      "Brugeren er oprettet, men kontomailen kunne ikke sendes. Prøv igen senere.",
		"activate.title":            "Vælg din adgangskode",
		"activate.intro":            "Velkommen, %s. Vælg en adgangskode på mindst 12 tegn.",
		"activate.password":         "Ny adgangskode",
		"activate.password2":        "Gentag adgangskoden",
		"activate.submit":           "Gem adgangskode",
		"activate.mismatch":         "De to adgangskoder er ikke ens.",
		"activate.done.title":       "Adgangskoden er gemt",
		"activate.done":             "Du kan nu logge ind med din e-mail og den nye adgangskode.",
		"link.used.title":           "Linket er allerede brugt",
		"link.used":                 "Et engangslink virker kun én gang. Log ind med din adgangskode, eller bed kommunen om et nyt link.",
		"link.expired.title":        "Linket er udløbet",
		"link.expired":              "Linket var gyldigt i 7 dage. Bed kommunen om at sende et nyt.",
		"link.unknown.title":        "Linket virker ikke",
		"link.unknown":              "Linket er ukendt eller erstattet af et nyere. Brug linket i den nyeste mail, eller bed kommunen om et nyt.",
		"mailbox.title":             "Udviklerpostkasse",
		"mailbox.intro":             "Alle e-mails, som valghalla dev har sendt. Den findes kun i udviklingstilstand.",
		"mailbox.empty":             "Ingen e-mails endnu.",
		"mailbox.to":                "Til",
		"nav.label":                 "Sprog og drift",
		"nav.login":                 "Log ind",
		"nav.logout":                "Log ud",
		"nav.account":               "Din konto",
		"nav.users":                 "Brugere",
		"login.title":               "Log ind",
		"login.email":               "E-mail",
		"login.password":            "Adgangskode",
		"login.submit":              "Log ind",
		"login.missing":             "Skriv både e-mail og adgangskode.",
		"login.wrong":               "Forkert e-mail eller adgangskode.",
		"login.throttled":           "For mange mislykkede forsøg. Vent et kvarter, og prøv igen.",
		"auth.required":             "Du skal logge ind for at se siden.",
		"auth.forbidden":            "Du har ikke adgang til denne side.",
		"csrf.title":                "Formularen er udløbet",
		"csrf.body":                 "Genindlæs siden, og prøv igen.",
		"account.title":             "Din konto",
		"account.name":              "Navn",
		"account.email":             "E-mail",
		"account.role":              "Rolle",
		"account.party":             "Parti",
		"users.title":               "Brugere",
		"role.admin":                "Administrator",
		"role.staff":                "Valgsekretariat",
		"role.read_only":            "Kun læseadgang",
		"role.party_secretary":      "Partisekretær",
	},
	english: {
		"app.tagline":               "Staffing elections",
		"home.next":                 "Next election",
		"home.days":                 "%d days to election day",
		"home.today":                "Election day is today",
		"home.noelection":           "No election is planned.",
		"home.stations":             "Polling stations",
		"col.district":              "Polling district",
		"col.station":               "Polling station",
		"col.address":               "Address",
		"col.area":                  "Area",
		"nav.temporal":              "Temporal (operations)",
		"lang.other":                "Dansk",
		"lang.other.code":           "da",
		"notfound.title":            "Page not found",
		"notfound.body":             "Check the address, or go to the start page.",
		"notfound.home":             "To the start page",
		"empty.title":               "No municipality has been set up yet",
		"empty.body":                "The database is empty. Run valghalla migrate and create the municipality.",
		"skip":                      "Skip to content",
		"stations.title":            "Polling stations",
		"stations.edit":             "Polling station",
		"stations.add":              "Create polling station",
		"stations.saved":            "The polling station is saved.",
		"stations.name":             "Name",
		"stations.address":          "Address",
		"stations.postal":           "Postal code",
		"stations.city":             "City",
		"stations.district":         "Polling district no.",
		"stations.area":             "Area",
		"stations.submit":           "Save",
		"stations.stale":            "Someone else changed the polling station since you opened it. Here is the new version – edit again and save.",
		"nav.stations":              "Polling stations",
		"users.totpreset.button":    "Reset (lost phone)",
		"users.totpreset":           "Two-step verification is reset and the user is logged out. The user can turn it on again after the next login.",
		"participants.auditexport":  "Download the log as CSV (subject-access request)",
		"participants.ineligible":   "The person cannot be nominated for %s:",
		"participants.channel":      "Preferred channel",
		"participants.diet":         "Special diet",
		"channel.default":           "Digital Post, else e-mail, else SMS",
		"channel.email":             "E-mail",
		"channel.sms":               "SMS",
		"channel.digitalpost":       "Digital Post",
		"secretaries.title":         "Request an extra party secretary",
		"secretaries.intro":         "The new party secretary gets access to the polling stations you choose only. The municipality approves the request.",
		"secretaries.name":          "Name",
		"secretaries.email":         "E-mail",
		"secretaries.stations":      "Polling stations",
		"secretaries.submit":        "Send request",
		"secretaries.sent.title":    "The request has been sent",
		"secretaries.sent":          "The municipality will handle the request. Once approved, the new party secretary gets an e-mail with a link to their account.",
		"secretaries.requests":      "Requests for party secretaries",
		"secretaries.none":          "No requests are waiting.",
		"secretaries.party":         "Party",
		"secretaries.requester":     "Requested by",
		"secretaries.approve":       "Approve and send the account e-mail",
		"secretaries.reject":        "Reject",
		"secretaries.approved":      "The request is approved and the account e-mail is on its way.",
		"secretaries.rejected":      "The request is rejected.",
		"nav.requests":              "Requests",
		"nav.extra":                 "Request an extra party secretary",
		"account.stations":          "Polling stations",
		"account.allstations":       "All the party's polling stations",
		"code.title":                "Code from your app",
		"code.label":                "Six-digit code",
		"code.submit":               "Log in",
		"code.wrong":                "The code is wrong or already used. Take the next code from the app.",
		"totp.title":                "Two-step verification",
		"totp.intro":                "Add Valghalla to an authenticator app (e.g. Microsoft Authenticator or Google Authenticator): scan the link as a QR code, or type the key. Then enter the code the app shows.",
		"totp.key":                  "Key",
		"totp.link":                 "Link for the app",
		"totp.submit":               "Turn on two-step verification",
		"totp.enabled":              "Two-step verification is on. You need a code from the app each time you log in.",
		"nav.totp":                  "Two-step verification",
		"nav.participants":          "Participants",
		"participants.title":        "Participants",
		"participants.new":          "Add participant",
		"participants.add":          "Add participant",
		"participants.cpr":          "CPR number",
		"participants.cprhint":      "10 digits, with or without a dash. You cannot see the number again afterwards.",
		"participants.mobile":       "Mobile number",
		"participants.email":        "E-mail",
		"participants.party":        "Party or pool",
		"participants.submit":       "Add",
		"participants.none":         "There are no participants yet.",
		"participants.name":         "Name",
		"participants.parties":      "Parties and pools",
		"participants.noregister":   "The CPR register is not set up, so no participants can be added.",
		"participants.notfound":     "The CPR number is not in the CPR register. Check the number.",
		"participants.registerdown": "The CPR register does not answer right now. Try again shortly; nothing was saved.",
		"participants.dead":         "The person is dead according to the CPR register and cannot be added.",
		"participants.reveal":       "Show the full CPR number (logged)",
		"participants.audit":        "Log of the person's data",
		"participants.audit.at":     "Time",
		"participants.audit.action": "Action",
		"users.new":                 "New user",
		"users.add":                 "Create user",
		"users.name":                "Name",
		"users.email":               "E-mail",
		"users.role":                "Role",
		"users.party":               "Party (party secretaries only)",
		"users.noparty":             "No party",
		"users.sendmail":            "Send the account e-mail with a one-time link",
		"users.submit":              "Create",
		"users.created":             "The user has been created.",
		"users.created.mail":        "The user has been created and the account e-mail is on its way.",
		"users.created.nomail":      "The user has been created, but the account e-mail could not be sent. Try again later.",
		"activate.title":            "Choose your password",
		"activate.intro":            "Welcome, %s. Choose a password of at least 12 characters.",
		"activate.password":         "New password",
		"activate.password2":        "Repeat the password",
		"activate.submit":           "Save password",
		"activate.mismatch":         "The two passwords differ.",
		"activate.done.title":       "Your password is saved",
		"activate.done":             "You can now log in with your e-mail and the new password.",
		"link.used.title":           "The link has been used",
		"link.used":                 "A one-time link works once. Log in with your password, or ask the municipality for a new link.",
		"link.expired.title":        "The link has expired",
		"link.expired":              "The link was valid for 7 days. Ask the municipality to send a new one.",
		"link.unknown.title":        "The link does not work",
		"link.unknown":              "The link is unknown or replaced by a newer one. Use the link in the newest e-mail, or ask the municipality for a new one.",
		"mailbox.title":             "Developer mailbox",
		"mailbox.intro":             "Every e-mail valghalla dev has sent. It exists in development mode only.",
		"mailbox.empty":             "No e-mails yet.",
		"mailbox.to":                "To",
		"nav.label":                 "Language and operations",
		"nav.login":                 "Log in",
		"nav.logout":                "Log out",
		"nav.account":               "Your account",
		"nav.users":                 "Users",
		"login.title":               "Log in",
		"login.email":               "E-mail",
		"login.password":            "Password",
		"login.submit":              "Log in",
		"login.missing":             "Enter both e-mail and password.",
		"login.wrong":               "Wrong e-mail or password.",
		"login.throttled":           "Too many failed attempts. Wait a quarter of an hour and try again.",
		"auth.required":             "Log in to see this page.",
		"auth.forbidden":            "You do not have access to this page.",
		"csrf.title":                "The form has expired",
		"csrf.body":                 "Reload the page and try again.",
		"account.title":             "Your account",
		"account.name":              "Name",
		"account.email":             "E-mail",
		"account.role":              "Role",
		"account.party":             "Party",
		"users.title":               "Users",
		"role.admin":                "Administrator",
		"role.staff":                "Election office",
		"role.read_only":            "Read only",
		"role.party_secretary":      "Party secretary",
	},
}

// language picks the page language and remembers an explicit choice.
func language(c *gin.Context) {
	l := danish
	if q := c.Query("lang"); messages[q] != nil {
		l = q
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie("lang", l, 365*24*3600, "/", "", false, true)
	} else if ck, err := c.Cookie("lang"); err == nil && messages[ck] != nil {
		l = ck
	}
	c.Set("lang", l)
	c.Next()
}

func lang(c *gin.Context) string {
	if l, ok := c.Get("lang"); ok {
		return l.(string)
	}
	return danish
}

// translator returns the T function the templates call: T "key" args...
func translator(c *gin.Context) func(string, ...any) string {
	m := messages[lang(c)]
	return func(key string, args ...any) string {
		s, ok := m[key]
		if !ok {
			return key
		}
		if len(args) > 0 {
			return fmt.Sprintf(s, args...)
		}
		return s
	}
}

var weekdays = map[string][7]string{
	danish:  {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
	english: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

var months = map[string][12]string{
	danish: {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	english: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
		"December"},
}

// longDate writes a civil date the way each language does:
// "tirsdag den 19. januar 2027", "Tuesday 19 January 2027".
func longDate(l string, d models.Date) string {
	wd := weekdays[l][d.In(time.UTC).Weekday()]
	if l == english {
		return fmt.Sprintf("%s %d %s %d", wd, d.Day, months[l][d.Month-1], d.Year)
	}
	return fmt.Sprintf("%s den %d. %s %d", wd, d.Day, months[l][d.Month-1], d.Year)
}

var templateFuncs = template.FuncMap{
	"longDate": longDate,
	"deref":    func(p *int64) int64 { return *p },
	// clock shows an instant in Copenhagen time, the Danish way.
	"clock": func(t time.Time) string { return t.In(models.Copenhagen).Format("02.01.2006 15:04") },
}
