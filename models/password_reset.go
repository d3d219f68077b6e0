package models

import "time"

// Password reset by e-mail (issue 17): a user who has forgotten their
// password asks for a one-time link on the login page, and chooses a new
// password on the page it opens.

// KindPasswordReset is the e-mail with a one-time link to choose a new
// password (PasswordResetDefault). It offers the account invitation's merge
// fields: the link is the same kind of one-time link.
const KindPasswordReset = "password_reset"

// Audit actions of passwords. Their detail names the user by id, never the
// address.
const (
	// AuditPasswordReset: a password was set through a reset link.
	AuditPasswordReset AuditAction = "user.password_reset"
	// AuditPasswordChanged: a user changed their own password.
	AuditPasswordChanged AuditAction = "user.password_changed"
)

// PasswordReset is a one-time link to choose a new password. The row is
// made when the link is asked for (it counts towards the limit of e-mails
// per hour); TokenHash stays empty until the e-mail's activity makes the
// token, so the token never passes through the workflow's history. Only the
// token's hash is stored.
type PasswordReset struct {
	ID        int64
	TokenHash *string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// PasswordResetURL is the address of a reset link: the page under baseURL
// (BASE_URL, no trailing slash) where its owner chooses a new password.
func PasswordResetURL(baseURL, token string) string { return baseURL + "/login/nulstil/" + token }

// PasswordResetSubjectDefault is the default subject, in Danish and English.
const PasswordResetSubjectDefault = "Ny adgangskode til Valghalla / New password for Valghalla – [site:name]"

// PasswordResetDefault is the default text (plain text; the HTML body is
// made from it with Template.HTML): Danish first, then English, since the
// e-mail goes out before anyone has chosen a language.
const PasswordResetDefault = `Kære [user:name],

Nogen, forhåbentlig dig, har bedt om en ny adgangskode til din konto i Valghalla hos [site:name]. Du vælger en ny adgangskode ved at klikke på dette link eller kopiere det ind i en browser:

[user:one-time-login-url]

Linket kan kun bruges én gang og udløber efter en time. Når du har valgt den nye adgangskode, bliver du logget ud alle steder, og du logger ind igen på [site:login-url].

Har du ikke bedt om en ny adgangskode, kan du se bort fra denne e-mail: din adgangskode er ikke ændret.

Med venlig hilsen

Valgsekretariatet
[site:name]

---

Dear [user:name],

Someone, hopefully you, asked for a new password for your Valghalla account at [site:name]. Choose a new password by clicking this link or copying it into a browser:

[user:one-time-login-url]

The link works once and expires after an hour. Once you have chosen the new password, you are logged out everywhere and log in again at [site:login-url].

If you did not ask for a new password, you can ignore this e-mail: your password has not changed.

Kind regards

The election office
[site:name]
`
