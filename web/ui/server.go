// Package ui is the web app's pages: server-rendered HTML in Danish
// (English available), one handler per page or form, each parse → call a
// use case → render. Its routes and who may use each are in routes below;
// web mounts them behind the session, CSRF and access checks.
package ui

import (
	"embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

//go:embed templates
var templateFS embed.FS

// Static is the stylesheet, scripts and images the pages link to, served
// under /static.
//
//go:embed static
var Static embed.FS

// Pages is what web mounts: the page routes and the pieces of the pages
// its middleware answers with.
type Pages struct {
	Routes []site.Route
	// NotFound is the 404 page (and the API's 404 for an unknown API path).
	NotFound gin.HandlerFunc
	// CheckFormText refuses a logged-in user's form that holds text that
	// cannot be stored; LimitBody refuses a body that is too large.
	CheckFormText, LimitBody gin.HandlerFunc
	// Refuse answers with the error page: status, title and message keys.
	Refuse func(c *gin.Context, status int, title, message string)
}

type server struct {
	site.Deps
	pages   *template.Template
	cookies site.Cookies
	// mitid are the handlers of finished MitID logins by purpose.
	mitid map[string]mitidPurpose
}

// New returns the pages over d.
func New(d site.Deps) *Pages {
	s := &server{Deps: d, cookies: site.Cookies{Secure: d.SecureCookies},
		pages: template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*/*.html"))}
	s.mitid = s.mitidPurposes()
	return &Pages{Routes: s.routes(), NotFound: s.notFound, CheckFormText: s.checkFormText, LimitBody: s.limitBody,
		Refuse: func(c *gin.Context, status int, title, message string) {
			s.render(c, status, "error.html", title, map[string]any{"Message": message})
		}}
}

// routes is every page and form. Each declares who may use it; web
// enforces that before the handler runs.
func (s *server) routes() []site.Route {
	return []site.Route{
		site.Handle(http.MethodGet, "/", site.Public, s.home),
		site.Handle(http.MethodGet, "/oversigt", site.AnyUser, s.overview),
		site.Handle(http.MethodGet, "/login", site.Public, s.loginForm),
		site.Handle(http.MethodPost, "/login", site.Public, s.login),
		site.Handle(http.MethodGet, "/login/kode", site.Public, s.codeForm),
		site.Handle(http.MethodPost, "/login/kode", site.Public, s.checkCode),
		site.Handle(http.MethodPost, "/logout", site.AnyUser, s.logout).DuringEnrolment(),
		site.Handle(http.MethodGet, "/login/glemt", site.Public, s.forgotForm),
		site.Handle(http.MethodPost, "/login/glemt", site.Public, s.forgot),
		site.Handle(http.MethodGet, "/login/nulstil/:token", site.Public, s.resetForm),
		site.Handle(http.MethodPost, "/login/nulstil/:token", site.Public, s.reset),
		site.Handle(http.MethodGet, "/konto/adgangskode", site.AnyUser, s.changePasswordForm),
		site.Handle(http.MethodPost, "/konto/adgangskode", site.AnyUser, s.changePassword),
		site.Handle(http.MethodGet, "/konto/ekstra-sekretaer", site.SecretaryOnly, s.secretaryRequestForm),
		site.Handle(http.MethodPost, "/konto/ekstra-sekretaer", site.SecretaryOnly, s.requestSecretary),
		site.Handle(http.MethodGet, "/admin/anmodninger", site.AdminOnly, s.secretaryRequests),
		site.Handle(http.MethodPost, "/admin/anmodninger/:id", site.AdminOnly, s.decideSecretaryRequest),
		// TOTP: every user may set it up; staff must, before anything else.
		site.Handle(http.MethodGet, "/konto/totp", site.AnyUser, s.totpSetup).DuringEnrolment(),
		site.Handle(http.MethodPost, "/konto/totp", site.AnyUser, s.totpEnable).DuringEnrolment(),
		site.Handle(http.MethodPost, "/konto/totp/gendannelseskoder", site.AnyUser, s.newRecoveryCodes),
		site.Handle(http.MethodGet, "/konto", site.AnyUser, s.account),
		site.Handle(http.MethodGet, "/admin/brugere", site.AdminOnly, s.users),
		site.Handle(http.MethodGet, "/admin/brugere/ny", site.AdminOnly, s.newUserForm),
		site.Handle(http.MethodPost, "/admin/brugere", site.AdminOnly, s.createUser),
		site.Handle(http.MethodPost, "/admin/brugere/:id/totp/nulstil", site.AdminOnly, s.resetTOTP),
		site.Handle(http.MethodGet, municipalityPath, site.AdminOnly, s.municipality),
		site.Handle(http.MethodPost, municipalityPath, site.AdminOnly, s.saveMunicipality),
		site.Handle(http.MethodGet, adminTokensPath, site.AdminOnly, s.adminAPITokens),
		site.Handle(http.MethodPost, adminTokensPath, site.AdminOnly, s.createAPIToken),
		site.Handle(http.MethodPost, adminTokensPath+"/:id/tilbagekald", site.AdminOnly, s.revokeAPIToken(adminTokensPath)),
		site.Handle(http.MethodGet, ownTokensPath, site.AnyUser, s.ownAPITokens),
		site.Handle(http.MethodPost, ownTokensPath+"/:id/tilbagekald", site.AnyUser, s.revokeAPIToken(ownTokensPath)),
		site.Handle(http.MethodGet, "/admin/brugere/:id", site.AdminOnly, s.userEdit),
		site.Handle(http.MethodPost, "/admin/brugere/:id", site.AdminOnly, s.saveUser),
		site.Handle(http.MethodPost, "/admin/brugere/:id/deaktiver", site.AdminOnly, s.deactivateUser),
		site.Handle(http.MethodPost, "/admin/brugere/:id/aktiver", site.AdminOnly, s.reactivateUser),
		site.Handle(http.MethodPost, "/admin/brugere/:id/link", site.AdminOnly, s.resendAccountLink),
		site.Handle(http.MethodGet, invitationTemplatePath, site.StaffOnly, s.invitationTemplate),
		site.Handle(http.MethodGet, messageTemplatesPath, site.StaffOnly, s.messageTemplates),
		site.Handle(http.MethodGet, messageTemplatesPath+"/:kind/:channel", site.StaffOnly, s.messageTemplate),
		site.Handle(http.MethodPost, messageTemplatesPath+"/:kind/:channel", site.AdminOnly, s.saveMessageTemplate),
		site.Handle(http.MethodPost, messageTemplatesPath+"/:kind/:channel/forhaandsvis", site.StaffOnly, s.previewMessageTemplate),
		site.Handle(http.MethodPost, messageTemplatesPath+"/:kind/:channel/live", site.StaffOnly, s.liveMessagePreview),
		site.Handle(http.MethodPost, messageTemplatesPath+"/:kind/:channel/nulstil", site.AdminOnly, s.resetMessageTemplate),
		site.Handle(http.MethodGet, "/konto/aktiver/:token", site.Public, s.activationForm),
		site.Handle(http.MethodPost, "/konto/aktiver/:token", site.Public, s.activate),
		site.Handle(http.MethodGet, "/valg", site.StaffOnly, s.elections),
		site.Handle(http.MethodPost, "/valg", site.StaffWrite, s.createElection),
		site.Handle(http.MethodPost, "/valg/:id/tilstand", site.StaffWrite, s.setElectionState),
		site.Handle(http.MethodGet, "/valg/:id", site.StaffOnly, s.election),
		site.Handle(http.MethodPost, "/valg/:id", site.StaffWrite, s.saveElection),
		site.Handle(http.MethodPost, "/valg/:id/dupliker", site.StaffWrite, s.duplicateElection),
		site.Handle(http.MethodGet, "/valg/:id/plan", site.StaffOnly, s.plan),
		site.Handle(http.MethodPost, "/valg/:id/plan/fordel", site.StaffWrite, s.distributePlan),
		site.Handle(http.MethodGet, "/valg/:id/plan/celle", site.StaffOnly, s.planCell),
		site.Handle(http.MethodPost, "/valg/:id/plan/celle", site.StaffWrite, s.saveCell),
		site.Handle(http.MethodPost, "/valg/:id/plan/flyt", site.StaffWrite, s.moveSlot),
		site.Handle(http.MethodGet, "/valgtyper", site.StaffOnly, s.electionTypes),
		site.Handle(http.MethodPost, "/valgtyper/:kind", site.AdminOnly, s.saveElectionType),
		site.Handle(http.MethodPost, "/valgtyper/:kind/nulstil", site.AdminOnly, s.resetElectionType),
		site.Handle(http.MethodGet, "/partier", site.StaffOnly, s.parties),
		site.Handle(http.MethodPost, "/partier", site.StaffWrite, s.saveParty),
		site.Handle(http.MethodPost, "/partier/:id", site.StaffWrite, s.saveParty),
		site.Handle(http.MethodPost, "/valggrupper", site.StaffWrite, s.createValggruppe),
		site.Handle(http.MethodPost, "/valggrupper/:id/slet", site.StaffWrite, s.deleteValggruppe),
		site.Handle(http.MethodGet, "/valgsteder", site.StaffOnly, s.stations),
		site.Handle(http.MethodGet, "/valgsteder/ny", site.StaffWrite, s.stationForm),
		site.Handle(http.MethodPost, "/omraader", site.StaffWrite, s.createArea),
		site.Handle(http.MethodPost, "/valgsteder", site.StaffWrite, s.saveStation),
		site.Handle(http.MethodGet, "/valgsteder/:id", site.StaffWrite, s.stationForm),
		site.Handle(http.MethodPost, "/valgsteder/:id", site.StaffWrite, s.saveStation),
		site.Handle(http.MethodGet, "/valgsteder/:id/slet", site.StaffWrite, s.stationDeletion),
		site.Handle(http.MethodPost, "/valgsteder/:id/slet", site.StaffWrite, s.deleteStation),
		site.Handle(http.MethodGet, "/opgavetyper", site.StaffOnly, s.taskTypes),
		site.Handle(http.MethodGet, "/opgavetyper/ny", site.StaffWrite, s.taskTypeForm),
		site.Handle(http.MethodPost, "/opgavetyper", site.StaffWrite, s.saveTaskType),
		site.Handle(http.MethodGet, "/opgavetyper/:id", site.StaffWrite, s.taskTypeForm),
		site.Handle(http.MethodPost, "/opgavetyper/:id", site.StaffWrite, s.saveTaskType),
		site.Handle(http.MethodGet, "/deltagere", site.AnyUser, s.participants),
		site.Handle(http.MethodPost, "/deltagere/soeg", site.AnyUser, s.searchParticipants),
		site.Handle(http.MethodGet, "/deltagere/ny", site.Registrar, s.newParticipantForm),
		site.Handle(http.MethodPost, "/deltagere", site.Registrar, s.createParticipant),
		site.Handle(http.MethodGet, "/deltagere/:id", site.AnyUser, s.participant),
		site.Handle(http.MethodPost, "/deltagere/:id/cpr", site.StaffWrite, s.revealCPR),
		site.Handle(http.MethodGet, "/deltagere/:id/log.csv", site.StaffOnly, s.auditExport),
		site.Handle(http.MethodPost, "/deltagere/:id/indsigt", site.StaffWrite, s.subjectAccess),
		site.Handle(http.MethodPost, "/deltagere/:id/pulje", site.StaffWrite, s.savePoolConsent),
		// Off a party's list and back (participant_removal.go).
		site.Handle(http.MethodGet, "/deltagere/:id/fjern", site.Registrar, s.removalConfirm),
		site.Handle(http.MethodPost, "/deltagere/:id/fjern", site.Registrar, s.removeFromList),
		site.Handle(http.MethodGet, "/deltagere/:id/fjernelser", site.StaffOnly, s.removals),
		site.Handle(http.MethodPost, "/deltagere/:id/genoptag", site.StaffWrite, s.readd),
		// Edit contact data: staff the person's own, a party secretary their party's.
		site.Handle(http.MethodGet, "/deltagere/:id/rediger", site.Registrar, s.participantEditForm),
		site.Handle(http.MethodPost, "/deltagere/:id/rediger", site.Registrar, s.saveParticipantEdit),
		// Check-in on the election day (checkin.go).
		site.Handle(http.MethodGet, "/valg/:id/fremmoede", site.StaffOnly, s.checkInStations),
		site.Handle(http.MethodGet, "/valg/:id/fremmoede/:station", site.StaffOnly, s.checkInStation),
		site.Handle(http.MethodPost, "/valg/:id/fremmoede/:station", site.StaffWrite, s.staffCheckIn),
		site.Handle(http.MethodPost, "/valg/:id/fremmoede/:station/ledere", site.StaffWrite, s.nameStationLeader),
		site.Handle(http.MethodPost, "/valg/:id/fremmoede/:station/ledere/fjern", site.StaffWrite, s.removeStationLeader),
		site.Handle(http.MethodGet, "/valg/:id/afslutning", site.StaffOnly, s.closing),
		site.Handle(http.MethodPost, "/valg/:id/afslutning/fremmoede", site.StaffWrite, s.markAttendance),
		site.Handle(http.MethodPost, "/valg/:id/afslutning/valgsted", site.StaffWrite, s.markStation),
		site.Handle(http.MethodPost, "/valg/:id/afslutning/opbevaring", site.StaffWrite, s.saveRetention),
		site.Handle(http.MethodGet, "/admin/sletning", site.AdminOnly, s.deletionPage),
		site.Handle(http.MethodPost, "/admin/sletning", site.AdminOnly, s.deleteParticipants),
		// The audit log of administrators; the filter form is sent by POST
		// so a CPR number typed is never in an address.
		site.Handle(http.MethodGet, auditLogPath, site.AdminOnly, s.auditLog),
		site.Handle(http.MethodPost, auditLogPath, site.AdminOnly, s.filterAuditLog),
		site.Handle(http.MethodGet, auditLogCSVPath, site.AdminOnly, s.auditLogCSV),
		site.Handle(http.MethodGet, "/valg/:id/runder", site.StaffOnly, s.rounds),
		site.Handle(http.MethodPost, "/valg/:id/runder", site.StaffWrite, s.launchRound),
		site.Handle(http.MethodPost, "/runder/:id/:signal", site.StaffWrite, s.signalRound),
		site.Handle(http.MethodPost, "/valg/:id/kontrol", site.StaffWrite, s.revalidate),
		site.Handle(http.MethodGet, "/valg/:id/beskedlog", site.StaffOnly, s.messageLog),
		site.Handle(http.MethodPost, "/beskedlog/:id/igen", site.StaffWrite, s.retryMessage),
		site.Handle(http.MethodGet, "/valg/:id/beskeder", site.StaffOnly, s.groupMessages),
		site.Handle(http.MethodPost, "/valg/:id/beskeder", site.StaffWrite, s.sendGroupMessage),
		site.Handle(http.MethodPost, "/valg/:id/beskeder/forhaandsvis", site.StaffOnly, s.previewGroupMessage),
		// Lists: every user, scoped by the store (a party secretary sees their
		// own party); the ready-made exports are for staff, the one with full
		// CPR numbers for staff who may write, by POST (CSRF) since it is logged
		// against every person in it.
		site.Handle(http.MethodGet, "/valg/:id/lister", site.AnyUser, s.lists),
		site.Handle(http.MethodGet, "/valg/:id/lister/udtraek/:format", site.AnyUser, s.listDownload),
		site.Handle(http.MethodGet, "/valg/:id/lister/valgsteder/:format", site.StaffOnly, s.stationSheets),
		site.Handle(http.MethodGet, "/valg/:id/lister/diaeter/:format", site.StaffOnly, s.allowanceList),
		site.Handle(http.MethodGet, "/valg/:id/lister/kost/:format", site.StaffOnly, s.dietList),
		site.Handle(http.MethodPost, "/valg/:id/lister/valgsystem/:format", site.StaffWrite, s.electionSystemExport),
		site.Handle(http.MethodGet, "/tildelinger/:id", site.AnyUser, s.assignment),
		site.Handle(http.MethodPost, "/tildelinger/:id/handling", site.StaffWrite, s.actOnAssignment),
		site.Handle(http.MethodGet, "/tilmelding", site.AnyUser, s.signupElections),
		site.Handle(http.MethodGet, "/valg/:id/tilmelding", site.AnyUser, s.signupLinks),
		site.Handle(http.MethodPost, "/valg/:id/tilmelding", site.Registrar, s.createSignupLink),
		site.Handle(http.MethodPost, "/valg/:id/tilmelding/samtykke", site.StaffWrite, s.saveSignupConsent),
		site.Handle(http.MethodPost, "/tilmelding/:id/luk", site.Registrar, s.disableSignupLink),
		site.Handle(http.MethodGet, "/tilmeld/:token", site.Public, s.signupForm),
		site.Handle(http.MethodPost, "/tilmeld/:token", site.Public, s.signUp),
		site.Handle(http.MethodPost, "/tilmeld/:token/mitid", site.Public, s.signupByMitID),
		site.Handle(http.MethodGet, "/svar/:token", site.Public, s.answerForm),
		site.Handle(http.MethodPost, "/svar/:token", site.Public, s.answer),
		site.Handle(http.MethodGet, "/indstilling", site.AnyUser, s.nominationElections),
		site.Handle(http.MethodGet, "/valg/:id/indstilling", site.AnyUser, s.nominationPage),
		site.Handle(http.MethodPost, "/valg/:id/indstilling", site.Registrar, s.nominate),
		site.Handle(http.MethodPost, "/valg/:id/indstilling/fjern", site.Registrar, s.unnominate),
		site.Handle(http.MethodPost, "/valg/:id/indstilling/csv", site.Registrar, s.uploadNominations),
		site.Handle(http.MethodPost, "/valg/:id/reserver/fjern", site.Registrar, s.removeReserve),
		// Min side, the volunteers' own site (minside.go): its login is
		// public, the rest is the signed-in volunteer's alone.
		site.Handle(http.MethodGet, minSidePath+"/log-ind", site.Public, s.minSideLoginForm),
		site.Handle(http.MethodPost, minSidePath+"/log-ind", site.Public, s.minSideRequestLink),
		site.Handle(http.MethodGet, minSidePath+"/log-ind/:token", site.Public, s.minSideLinkForm),
		site.Handle(http.MethodPost, minSidePath+"/log-ind/:token", site.Public, s.minSideSignIn),
		site.Handle(http.MethodGet, minSidePath, site.Volunteer, s.minSideTasks),
		site.Handle(http.MethodPost, minSidePath+"/opgaver/:id", site.Volunteer, s.minSideAnswer),
		site.Handle(http.MethodGet, minSidePath+"/kontakt", site.Volunteer, s.minSideContactForm),
		site.Handle(http.MethodPost, minSidePath+"/kontakt", site.Volunteer, s.minSideSaveContact),
		site.Handle(http.MethodPost, minSidePath+"/mine-data", site.Volunteer, s.minSideExport),
		site.Handle(http.MethodPost, minSidePath+"/slet", site.Volunteer, s.minSideRequestDeletion),
		site.Handle(http.MethodPost, minSidePath+"/log-ud", site.Volunteer, s.minSideLogout),
		// A station leader's check-in list (checkin.go).
		site.Handle(http.MethodGet, minSidePath+"/valgsted/:election/:station", site.Volunteer, s.leaderStation),
		site.Handle(http.MethodPost, minSidePath+"/valgsted/:election/:station", site.Volunteer, s.leaderCheckIn),
		site.Handle(http.MethodGet, "/admin/sletteanmodninger", site.StaffOnly, s.deletionRequests),
		site.Handle(http.MethodPost, "/admin/sletteanmodninger/:id", site.StaffWrite, s.eraseOnRequest),
		// MitID's redirect URI (mitid.go); 404 when OIDC_ISSUER is unset.
		site.Handle(http.MethodGet, MitIDReturnPath, site.Public, s.mitidReturn),
		site.Handle(http.MethodPost, "/mitid/log-ind", site.Public, s.mitidStart),
		// Dev only (404 elsewhere): the inbox of everyone, on 127.0.0.1.
		site.Handle(http.MethodGet, "/dev/postkasse", site.Public, s.mailbox),
		site.Handle(http.MethodPost, "/dev/postkasse/sms", site.Public, s.mailboxReply),
	}
}

// Page is what every page's template reads besides its own data: the
// translator, the title, who is logged in, the form token, the language.
// A page with more than a few fields of its own has a view type that
// embeds Page; render fills it in.
type Page struct {
	T             func(string, ...any) string
	TErr          func(*models.UserError) string // a refusal, translated
	Title         string
	User          *models.User
	CSRF          string
	Lang          string
	TemporalUIURL string
	// Refresh reloads the page every few seconds (a round in progress, the
	// day's check-in) while the reader leaves auto-refresh.js's box ticked.
	Refresh bool
	// Enrolling: the session must set TOTP up first; the layout offers
	// no links it could not follow.
	Enrolling bool
}

func (p *Page) page() *Page { return p }

// view is a page's typed data: a struct that embeds Page.
type view interface{ page() *Page }

// fill sets what the layout reads, leaving what the handler set.
func (s *server) fill(c *gin.Context, title string, p *Page) {
	T := site.T(c)
	p.T, p.Title, p.User, p.CSRF, p.Lang, p.TemporalUIURL = T, T(title), site.User(c), s.csrfToken(c), site.Lang(c), s.TemporalUIURL
	p.Enrolling = site.EnrollingUser(c) != nil
	p.TErr = func(ue *models.UserError) string {
		if ue == nil {
			return ""
		}
		return site.ErrText(c, ue)
	}
}

// render writes the page name; title is a message key or, when it is not
// one, the title itself.
func (s *server) render(c *gin.Context, status int, name, title string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	var p Page
	s.fill(c, title, &p)
	data["T"], data["TErr"], data["Title"], data["User"] = p.T, p.TErr, p.Title, p.User
	data["CSRF"], data["Lang"], data["TemporalUIURL"] = p.CSRF, p.Lang, p.TemporalUIURL
	data["Enrolling"] = p.Enrolling
	s.execute(c, status, name, data)
}

// renderView writes the page name from its typed view v.
func (s *server) renderView(c *gin.Context, status int, name, title string, v view) {
	s.fill(c, title, v.page())
	s.execute(c, status, name, v)
}

func (s *server) execute(c *gin.Context, status int, name string, data any) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := s.pages.ExecuteTemplate(c.Writer, name, data); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "render failed", "template", name, "error", err)
	}
}

// noticeOf returns the ?besked= notice if it is one of allowed: a page
// shows only the messages the app itself redirects with, never free text.
func noticeOf(c *gin.Context, allowed ...string) string {
	for _, a := range allowed {
		if c.Query("besked") == a {
			return a
		}
	}
	return ""
}

func (s *server) notFound(c *gin.Context) {
	if site.IsAPI(c) {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": site.T(c)("api.notfound")})
		return
	}
	s.render(c, http.StatusNotFound, "notfound.html", "notfound.title", nil)
}

// readFailed answers a read's error and reports whether there was one:
// 404 for what does not exist or is not the user's to see (the two look
// alike), 403 for what the user may not do, 500 for anything else.
func (s *server) readFailed(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
	default:
		s.fail(c, err)
	}
	return true
}

// forbidden is the page of a request the user's role or party does not
// allow.
func (s *server) forbidden(c *gin.Context) {
	s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
}
