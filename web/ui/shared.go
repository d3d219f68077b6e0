package ui

import "github.com/valghalla/valghalla/web/site"

// The request's user, language and refusal texts, as the pages name them.
var (
	currentUser    = site.User
	currentSession = site.Session
	translator     = site.T
	lang           = site.Lang
	errText        = site.ErrText
	fieldTexts     = site.FieldTexts
	refusalTexts   = site.RefusalTexts
	isKeyed        = site.IsKeyed
	refusalStatus  = site.RefusalStatus
	isAPI          = site.IsAPI
)

const (
	public        = site.Public
	anyUser       = site.AnyUser
	staffOnly     = site.StaffOnly
	adminOnly     = site.AdminOnly
	registrar     = site.Registrar
	staffWrite    = site.StaffWrite
	secretaryOnly = site.SecretaryOnly

	sessionCookie = site.SessionCookie
	csrfCookie    = site.CSRFCookie
	csrfField     = site.CSRFField

	danish  = site.Danish
	english = site.English
)
