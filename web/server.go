// Package web is the Gin web app: server-rendered pages in Danish (English
// available), the JSON API and the health endpoints. A handler parses,
// authorises, calls one thing and renders.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/vault"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps is what the web app needs from the rest of the product.
type Deps struct {
	// Recruit is the use cases (register, nominate, answer, rounds, …) the
	// pages and the API call: it owns the CPR register, so web imports no
	// provider client. Nil builds one from the fields below, without a CPR
	// register (registration then says so).
	Recruit *recruit.Service
	// Accounts, Setup, People and Messaging are the other areas' use cases;
	// nil builds each from DB.
	Accounts  *accounts.Service
	Setup     *setup.Service
	People    *people.Service
	Messaging *messaging.Service
	DB        *gorm.DB
	Temporal  client.Client
	Log       *slog.Logger
	// TemporalUIURL is linked from the pages for operators; empty hides it.
	TemporalUIURL string
	// SecureCookies marks cookies Secure: on whenever the site is served
	// over https (everywhere but `valghalla dev`).
	SecureCookies bool
	// Keys compute the blind index that finds a person by CPR number.
	Keys *vault.Keyring
	// TaskQueue is where workflows are started.
	TaskQueue string
	// Mailbox lists the e-mails the dev SMTP server received; nil outside
	// `valghalla dev`, and then /dev/postkasse does not exist.
	Mailbox func() []MailboxMessage
	// SMSReply sends an SMS reply from a number through the fake Twilio to
	// the webhook and returns the app's answer; nil outside `valghalla dev`.
	SMSReply func(ctx context.Context, from, body string) (string, error)
	Now      func() time.Time
	// PublicURL is the site's address as the outside world (Twilio) sees
	// it; webhook signatures are checked against it.
	PublicURL string
	// SMSAuthToken checks the signature of Twilio's webhooks; empty refuses
	// them all.
	SMSAuthToken string
}

// route is one endpoint with the access it requires.
type route struct {
	method, path string
	access       access
	handler      func(*server, *gin.Context)
}

// routes is every endpoint of the web app. Each declares who may use it;
// authorize enforces that before the handler runs.
var routes = []route{
	{http.MethodGet, "/healthz", public, (*server).healthz},
	{http.MethodGet, "/readyz", public, (*server).readyz},
	{http.MethodGet, "/", public, (*server).home},
	{http.MethodGet, "/oversigt", anyUser, (*server).overview},
	{http.MethodGet, "/login", public, (*server).loginForm},
	{http.MethodPost, "/login", public, (*server).login},
	{http.MethodGet, "/login/kode", public, (*server).codeForm},
	{http.MethodPost, "/login/kode", public, (*server).checkCode},
	{http.MethodPost, "/logout", anyUser, (*server).logout},
	{http.MethodGet, "/konto/ekstra-sekretaer", secretaryOnly, (*server).secretaryRequestForm},
	{http.MethodPost, "/konto/ekstra-sekretaer", secretaryOnly, (*server).requestSecretary},
	{http.MethodGet, "/admin/anmodninger", adminOnly, (*server).secretaryRequests},
	{http.MethodPost, "/admin/anmodninger/:id", adminOnly, (*server).decideSecretaryRequest},
	{http.MethodGet, "/konto/totp", staffOnly, (*server).totpSetup},
	{http.MethodPost, "/konto/totp", staffOnly, (*server).totpEnable},
	{http.MethodGet, "/konto", anyUser, (*server).account},
	{http.MethodGet, "/admin/brugere", adminOnly, (*server).users},
	{http.MethodGet, "/admin/brugere/ny", adminOnly, (*server).newUserForm},
	{http.MethodPost, "/admin/brugere", adminOnly, (*server).createUser},
	{http.MethodPost, "/admin/brugere/:id/totp/nulstil", adminOnly, (*server).resetTOTP},
	{http.MethodGet, invitationTemplatePath, staffOnly, (*server).invitationTemplate},
	{http.MethodGet, messageTemplatesPath, staffOnly, (*server).messageTemplates},
	{http.MethodGet, messageTemplatesPath + "/:kind/:channel", staffOnly, (*server).messageTemplate},
	{http.MethodPost, messageTemplatesPath + "/:kind/:channel", adminOnly, (*server).saveMessageTemplate},
	{http.MethodPost, messageTemplatesPath + "/:kind/:channel/forhaandsvis", staffOnly, (*server).previewMessageTemplate},
	{http.MethodPost, messageTemplatesPath + "/:kind/:channel/live", staffOnly, (*server).liveMessagePreview},
	{http.MethodPost, messageTemplatesPath + "/:kind/:channel/nulstil", adminOnly, (*server).resetMessageTemplate},
	{http.MethodGet, "/konto/aktiver/:token", public, (*server).activationForm},
	{http.MethodPost, "/konto/aktiver/:token", public, (*server).activate},
	{http.MethodGet, "/valg", staffOnly, (*server).elections},
	{http.MethodPost, "/valg", staffWrite, (*server).createElection},
	{http.MethodPost, "/valg/:id/tilstand", staffWrite, (*server).setElectionState},
	{http.MethodGet, "/valg/:id", staffOnly, (*server).election},
	{http.MethodPost, "/valg/:id", staffWrite, (*server).saveElection},
	{http.MethodPost, "/valg/:id/dupliker", staffWrite, (*server).duplicateElection},
	{http.MethodGet, "/valg/:id/plan", staffOnly, (*server).plan},
	{http.MethodPost, "/valg/:id/plan/fordel", staffWrite, (*server).distributePlan},
	{http.MethodGet, "/valg/:id/plan/celle", staffOnly, (*server).planCell},
	{http.MethodPost, "/valg/:id/plan/celle", staffWrite, (*server).saveCell},
	{http.MethodPost, "/valg/:id/plan/flyt", staffWrite, (*server).moveSlot},
	{http.MethodGet, "/valgtyper", staffOnly, (*server).electionTypes},
	{http.MethodPost, "/valgtyper/:kind", adminOnly, (*server).saveElectionType},
	{http.MethodPost, "/valgtyper/:kind/nulstil", adminOnly, (*server).resetElectionType},
	{http.MethodGet, "/partier", staffOnly, (*server).parties},
	{http.MethodPost, "/partier", staffWrite, (*server).saveParty},
	{http.MethodPost, "/partier/:id", staffWrite, (*server).saveParty},
	{http.MethodPost, "/valggrupper", staffWrite, (*server).createValggruppe},
	{http.MethodPost, "/valggrupper/:id/slet", staffWrite, (*server).deleteValggruppe},
	{http.MethodGet, "/valgsteder", staffOnly, (*server).stations},
	{http.MethodGet, "/valgsteder/ny", staffWrite, (*server).stationForm},
	{http.MethodPost, "/omraader", staffWrite, (*server).createArea},
	{http.MethodPost, "/valgsteder", staffWrite, (*server).saveStation},
	{http.MethodGet, "/valgsteder/:id", staffWrite, (*server).stationForm},
	{http.MethodPost, "/valgsteder/:id", staffWrite, (*server).saveStation},
	{http.MethodGet, "/valgsteder/:id/slet", staffWrite, (*server).stationDeletion},
	{http.MethodPost, "/valgsteder/:id/slet", staffWrite, (*server).deleteStation},
	{http.MethodGet, "/opgavetyper", staffOnly, (*server).taskTypes},
	{http.MethodGet, "/opgavetyper/ny", staffWrite, (*server).taskTypeForm},
	{http.MethodPost, "/opgavetyper", staffWrite, (*server).saveTaskType},
	{http.MethodGet, "/opgavetyper/:id", staffWrite, (*server).taskTypeForm},
	{http.MethodPost, "/opgavetyper/:id", staffWrite, (*server).saveTaskType},
	{http.MethodGet, "/deltagere", anyUser, (*server).participants},
	{http.MethodGet, "/deltagere/ny", registrar, (*server).newParticipantForm},
	{http.MethodPost, "/deltagere", registrar, (*server).createParticipant},
	{http.MethodGet, "/deltagere/:id", anyUser, (*server).participant},
	{http.MethodPost, "/deltagere/:id/cpr", staffWrite, (*server).revealCPR},
	{http.MethodGet, "/deltagere/:id/log.csv", staffOnly, (*server).auditExport},
	{http.MethodGet, "/deltagere/:id/indsigt", staffWrite, (*server).subjectAccess},
	{http.MethodPost, "/deltagere/:id/pulje", staffWrite, (*server).savePoolConsent},
	{http.MethodGet, "/valg/:id/afslutning", staffOnly, (*server).closing},
	{http.MethodPost, "/valg/:id/afslutning/fremmoede", staffWrite, (*server).markAttendance},
	{http.MethodPost, "/valg/:id/afslutning/valgsted", staffWrite, (*server).markStation},
	{http.MethodPost, "/valg/:id/afslutning/opbevaring", staffWrite, (*server).saveRetention},
	{http.MethodGet, "/admin/sletning", adminOnly, (*server).deletionPage},
	{http.MethodPost, "/admin/sletning", adminOnly, (*server).deleteParticipants},
	{http.MethodGet, "/valg/:id/runder", staffOnly, (*server).rounds},
	{http.MethodPost, "/valg/:id/runder", staffWrite, (*server).launchRound},
	{http.MethodPost, "/runder/:id/:signal", staffWrite, (*server).signalRound},
	{http.MethodPost, "/valg/:id/kontrol", staffWrite, (*server).revalidate},
	{http.MethodGet, "/valg/:id/beskedlog", staffOnly, (*server).messageLog},
	{http.MethodPost, "/beskedlog/:id/igen", staffWrite, (*server).retryMessage},
	{http.MethodGet, "/valg/:id/beskeder", staffOnly, (*server).groupMessages},
	{http.MethodPost, "/valg/:id/beskeder", staffWrite, (*server).sendGroupMessage},
	{http.MethodPost, "/valg/:id/beskeder/forhaandsvis", staffOnly, (*server).previewGroupMessage},
	// Lists: every user, scoped by the store (a party secretary sees their
	// own party); the ready-made exports are for staff, the one with full
	// CPR numbers for staff who may write, by POST (CSRF) since it is logged
	// against every person in it.
	{http.MethodGet, "/valg/:id/lister", anyUser, (*server).lists},
	{http.MethodGet, "/valg/:id/lister/udtraek/:format", anyUser, (*server).listDownload},
	{http.MethodGet, "/valg/:id/lister/valgsteder/:format", staffOnly, (*server).stationSheets},
	{http.MethodGet, "/valg/:id/lister/diaeter/:format", staffOnly, (*server).allowanceList},
	{http.MethodGet, "/valg/:id/lister/kost/:format", staffOnly, (*server).dietList},
	{http.MethodPost, "/valg/:id/lister/valgsystem/:format", staffWrite, (*server).electionSystemExport},
	{http.MethodGet, "/tildelinger/:id", anyUser, (*server).assignment},
	{http.MethodPost, "/tildelinger/:id/handling", staffWrite, (*server).actOnAssignment},
	{http.MethodGet, "/svar/:token", public, (*server).answerForm},
	{http.MethodPost, "/svar/:token", public, (*server).answer},
	{http.MethodGet, "/indstilling", anyUser, (*server).nominationElections},
	{http.MethodGet, "/valg/:id/indstilling", anyUser, (*server).nominationPage},
	{http.MethodPost, "/valg/:id/indstilling", registrar, (*server).nominate},
	{http.MethodPost, "/valg/:id/indstilling/fjern", registrar, (*server).unnominate},
	{http.MethodPost, "/valg/:id/indstilling/csv", registrar, (*server).uploadNominations},
	{http.MethodPost, "/valg/:id/reserver/fjern", registrar, (*server).removeReserve},
	// Twilio's webhooks: signed by Twilio, no session (sms_webhook.go).
	{http.MethodPost, smsReplyPath, providerSigned, (*server).smsReply},
	{http.MethodPost, smsStatusPath, providerSigned, (*server).smsStatus},
	// Dev only (404 elsewhere): the inbox of everyone, on 127.0.0.1.
	{http.MethodGet, "/dev/postkasse", public, (*server).mailbox},
	{http.MethodPost, "/dev/postkasse/sms", public, (*server).mailboxReply},

	// The JSON API (api*.go), described by web/openapi.yaml.
	{http.MethodGet, apiPrefix + "/openapi.json", public, (*server).openAPI},
	{http.MethodGet, apiPrefix + "/elections", staffOnly, (*server).apiElections},
	{http.MethodPost, apiPrefix + "/elections", staffWrite, (*server).apiCreateElection},
	{http.MethodGet, apiPrefix + "/elections/:id", staffOnly, (*server).apiElection},
	{http.MethodPatch, apiPrefix + "/elections/:id", staffWrite, (*server).apiUpdateElection},
	{http.MethodPost, apiPrefix + "/elections/:id/state", staffWrite, (*server).apiSetElectionState},
	{http.MethodPost, apiPrefix + "/elections/:id/duplicate", staffWrite, (*server).apiDuplicateElection},
	{http.MethodGet, apiPrefix + "/elections/:id/plan", staffOnly, (*server).apiPlan},
	{http.MethodPost, apiPrefix + "/elections/:id/plan/quota", staffWrite, (*server).apiDistributeByQuota},
	{http.MethodPut, apiPrefix + "/elections/:id/plan/cell", staffWrite, (*server).apiSetCellCounts},
	{http.MethodPost, apiPrefix + "/elections/:id/plan/move", staffWrite, (*server).apiMoveVacantSlot},
	{http.MethodGet, apiPrefix + "/elections/:id/overview", anyUser, (*server).apiOverview},
	{http.MethodGet, apiPrefix + "/elections/:id/slots", anyUser, (*server).apiPartySlots},
	{http.MethodPost, apiPrefix + "/elections/:id/nominations", registrar, (*server).apiNominate},
	{http.MethodPost, apiPrefix + "/participants", registrar, (*server).apiRegisterParticipant},
	{http.MethodGet, apiPrefix + "/stations", staffOnly, (*server).apiStations},
	{http.MethodPost, apiPrefix + "/stations", staffWrite, (*server).apiSaveStation},
	{http.MethodPut, apiPrefix + "/stations/:id", staffWrite, (*server).apiSaveStation},
	{http.MethodGet, apiPrefix + "/task-types", staffOnly, (*server).apiTaskTypes},
	{http.MethodPost, apiPrefix + "/task-types", staffWrite, (*server).apiSaveTaskType},
	{http.MethodPut, apiPrefix + "/task-types/:id", staffWrite, (*server).apiSaveTaskType},
	{http.MethodGet, apiPrefix + "/election-types", staffOnly, (*server).apiElectionTypes},
	{http.MethodPut, apiPrefix + "/election-types/:kind", adminOnly, (*server).apiSaveElectionType},
	{http.MethodPost, apiPrefix + "/election-types/:kind/reset", adminOnly, (*server).apiResetElectionType},
	{http.MethodGet, apiPrefix + "/areas", staffOnly, (*server).apiAreas},
	{http.MethodPost, apiPrefix + "/areas", staffWrite, (*server).apiSaveArea},
	{http.MethodPut, apiPrefix + "/areas/:id", staffWrite, (*server).apiSaveArea},
	{http.MethodGet, apiPrefix + "/parties", anyUser, (*server).apiParties},
	{http.MethodPost, apiPrefix + "/parties", staffWrite, (*server).apiSaveParty},
	{http.MethodPut, apiPrefix + "/parties/:id", staffWrite, (*server).apiSaveParty},
	{http.MethodGet, apiPrefix + "/valggrupper", staffOnly, (*server).apiValggrupper},
	{http.MethodPost, apiPrefix + "/valggrupper", staffWrite, (*server).apiCreateValggruppe},
	{http.MethodDelete, apiPrefix + "/valggrupper/:id", staffWrite, (*server).apiDeleteValggruppe},
	{http.MethodPost, apiPrefix + "/quota", anyUser, (*server).apiQuota},
	{http.MethodPost, apiPrefix + "/api-tokens", adminOnly, (*server).apiCreateToken},
}

// Route describes a registered endpoint, for tests and documentation.
type Route struct{ Method, Path, Access string }

// Routes lists every endpoint with its access rule.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = Route{r.method, r.path, string(r.access)}
	}
	return out
}

type server struct {
	Deps
	pages *template.Template
}

// New returns the web app's handler.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Recruit == nil {
		d.Recruit = recruit.New(recruit.Config{DB: d.DB, Temporal: d.Temporal, Keys: d.Keys,
			TaskQueue: d.TaskQueue, Log: d.Log, Now: d.Now})
	}
	if d.Accounts == nil {
		d.Accounts = accounts.New(accounts.Config{DB: d.DB, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Log: d.Log, Now: d.Now})
	}
	if d.Setup == nil {
		d.Setup = setup.New(setup.Config{DB: d.DB, Log: d.Log, Now: d.Now})
	}
	if d.People == nil {
		d.People = people.New(people.Config{DB: d.DB, Keys: d.Keys, Log: d.Log, Now: d.Now})
	}
	if d.Messaging == nil {
		d.Messaging = messaging.New(messaging.Config{DB: d.DB, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Log: d.Log, Now: d.Now})
	}
	s := &server{Deps: d, pages: template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*.html"))}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.recoverer, s.logRequests, securityHeaders, language, s.limitBody)

	static, _ := fs.Sub(staticFS, "static")
	r.StaticFS("/static", http.FS(static))
	for _, rt := range routes {
		h := rt.handler
		handlers := []gin.HandlerFunc{s.authorize(rt.access), func(c *gin.Context) { h(s, c) }}
		switch {
		case strings.HasPrefix(rt.path, apiPrefix+"/"):
			// Session or bearer token; the CSRF check after authorize, so
			// an anonymous call is told 401, not a missing token.
			handlers = []gin.HandlerFunc{s.apiAuth, s.authorize(rt.access), s.apiCSRF, handlers[1]}
		case rt.access == providerSigned:
			// Signed by the provider; no session, so no CSRF token.
		case rt.path != "/healthz" && rt.path != "/readyz":
			// Probes touch no session: they run every few seconds.
			handlers = append([]gin.HandlerFunc{s.loadSession, s.checkCSRF}, handlers...)
			if rt.access != public {
				// A logged-in user's form: its text checked once it is
				// authorised, before the handler (formtext.go).
				handlers = slices.Insert(handlers, len(handlers)-1, s.checkFormText)
			}
		}
		r.Handle(rt.method, rt.path, handlers...)
	}
	r.NoRoute(s.loadSession, s.notFound)
	return r
}

// logRequests logs one line per request: the route pattern, never the path
// or query, which may carry an answer token.
func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	if route == "/healthz" || route == "/readyz" {
		level = slog.LevelDebug // probes every few seconds
	}
	s.Log.Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "route", route, "status", c.Writer.Status(), "elapsed", time.Since(start))
}

func (s *server) recoverer(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.ErrorContext(c.Request.Context(), "handler panicked", "route", c.FullPath(), "panic", p)
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	}()
	c.Next()
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Answer links carry a token: it must not leak to another site.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	c.Next()
}

// render writes the page name; title is a message key or, when it is not
// one, the title itself.
func (s *server) render(c *gin.Context, status int, name, title string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["T"] = translator(c)
	data["TErr"] = func(ue *models.UserError) string { // a refusal, translated
		if ue == nil {
			return ""
		}
		return errText(c, ue)
	}
	data["Title"] = translator(c)(title)
	data["User"] = currentUser(c)
	data["CSRF"] = s.csrfToken(c)
	data["Lang"] = lang(c)
	data["TemporalUIURL"] = s.TemporalUIURL
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
	if isAPI(c) {
		apiError(c, http.StatusNotFound, translator(c)("api.notfound"))
		return
	}
	s.render(c, http.StatusNotFound, "notfound.html", "notfound.title", nil)
}
