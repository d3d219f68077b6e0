package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/valghalla/valghalla/web/export"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// participantRow is a participant as a list shows it: the CPR number masked.
type participantRow struct {
	ID        int64
	Name      string
	MaskedCPR string
}

func maskedCPR(p models.Participant) string {
	c, err := models.ParseCPR(p.CPR.Reveal())
	if err != nil {
		return "–"
	}
	return c.Masked()
}

// participants is the participants list: a search by name, full CPR
// number (staff only; audited as a lookup), phone or e-mail, filters by
// party, pool, election and state, 50 people a page in Danish order. A
// party secretary finds their own party's people only.
func (s *server) participants(c *gin.Context) {
	q, bad := site.ParticipantQueryOf(c.Query, "parti", "pulje", "valg", "status", "side")
	if bad == nil && site.CPRShaped(q.Q) {
		// A CPR number in the address (a bookmark, a typed link): not
		// searched, so that such links stop being made.
		q.Q, bad = "", models.RefuseField("q", "error.search.cprinaddress")
	}
	s.participantsPage(c, q, bad)
}

// searchParticipants is the search form, sent by POST: a CPR number is
// searched at once and answered here, so it never stands in an address;
// any other search is sent on to its address, which can be bookmarked and
// paged.
func (s *server) searchParticipants(c *gin.Context) {
	q, bad := site.ParticipantQueryOf(c.PostForm, "parti", "pulje", "valg", "status", "side")
	if bad != nil || site.CPRShaped(q.Q) {
		s.participantsPage(c, q, bad)
		return
	}
	c.Redirect(http.StatusSeeOther, participantsLink(q, q.Page))
}

// participantsLink is the address of a page of a search.
func participantsLink(q models.ParticipantQuery, page int) string {
	vals := url.Values{}
	for k, x := range map[string]string{"q": q.Q, "status": string(q.State)} {
		if x != "" {
			vals.Set(k, x)
		}
	}
	for k, id := range map[string]int64{"parti": q.PartyID, "pulje": q.PoolID, "valg": q.ElectionID} {
		if id != 0 {
			vals.Set(k, strconv.FormatInt(id, 10))
		}
	}
	if page > 1 {
		vals.Set("side", strconv.Itoa(page))
	}
	if len(vals) == 0 {
		return "/deltagere"
	}
	return "/deltagere?" + vals.Encode()
}

func (s *server) participantsPage(c *gin.Context, q models.ParticipantQuery, bad error) {
	u := site.User(c)
	ctx := c.Request.Context()
	v := &participantsView{OneParty: u.Role == models.RolePartySecretary, MayCPR: u.Role != models.RolePartySecretary}
	filters, err := s.People.ParticipantFilters(ctx, *u)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Filters = filters
	v.Query = q
	status := http.StatusOK
	if bad != nil {
		status, v.Error = http.StatusUnprocessableEntity, site.ErrText(c, bad)
	} else {
		page, err := s.People.SearchParticipants(ctx, *u, q)
		answered := true // 403, 404 or a failure: pageRefused has answered
		if s.pageRefused(c, err, func(st int, r refusal) { status, v.refusal, answered = st, r, false }) && answered {
			return
		}
		if err == nil {
			v.Result = page
			v.Query = page.Query
		}
	}
	// A CPR number typed is not shown again (as on the registration form),
	// nor one mistyped (a wrong date is still someone's digits): the search
	// box starts empty after it.
	if site.CPRShaped(v.Query.Q) {
		v.Query.Q = ""
	}
	v.Rows = make([]participantRow, len(v.Result.Rows))
	for i, p := range v.Result.Rows {
		v.Rows[i] = participantRow{p.ID, p.Name, maskedCPR(p)}
	}
	// The links keep the search as shown: without a CPR number typed.
	shown := q
	shown.Q, shown.State = v.Query.Q, v.Query.State
	link := func(page int) string { return participantsLink(shown, page) }
	if v.Result.Page > 1 {
		v.Prev = link(v.Result.Page - 1)
	}
	if v.Result.Page < v.Result.Pages {
		v.Next = link(v.Result.Page + 1)
	}
	v.Searched = v.Query.Q != "" || q.PartyID != 0 || q.PoolID != 0 || q.ElectionID != 0 || q.State != ""
	s.renderView(c, status, "participants.html", "participants.title", v)
}

// participantsView is one page of the participants list and its form.
type participantsView struct {
	Page
	refusal
	Query   models.ParticipantQuery // as typed (a party secretary's narrowed to their party)
	Filters models.ParticipantFilters
	Result  models.ParticipantPage
	Rows    []participantRow
	// Prev and Next link the neighbouring pages, keeping the search.
	Prev, Next string
	// Searched: a search text or filter was given (no results is then
	// "no one found", not "no participants yet").
	Searched bool
	OneParty bool // a party secretary: no party or pool filter
	MayCPR   bool // the search may be a CPR number
}

func (s *server) newParticipantForm(c *gin.Context) {
	s.renderParticipantForm(c, http.StatusOK, "", "")
}

func (s *server) renderParticipantForm(c *gin.Context, status int, errMsg, errKey string) {
	s.renderView(c, status, "participant_new.html", "participants.new", s.participantForm(c, refusal{Error: errMsg, ErrorKey: errKey}))
}

// participantNewView is the registration form. The CPR number is never
// echoed back: the field starts empty again.
type participantNewView struct {
	Page
	refusal
	Parties                      []models.Party
	Mobile, Email, Diet, Channel string
}

func (s *server) participantForm(c *gin.Context, r refusal) *participantNewView {
	v := &participantNewView{refusal: r, Mobile: c.PostForm("mobile"), Email: c.PostForm("email"), Diet: c.PostForm("diet"),
		Channel: c.PostForm("channel")}
	// Unread parties leave the choice empty; registering reports any failure.
	v.Parties, _ = s.People.RegistrationParties(c.Request.Context(), *site.User(c))
	return v
}

// createParticipant registers a person by CPR number
// (recruit.RegisterParticipant): the number is checked, looked up in the
// CPR register for the name and status, encrypted and stored; the same
// number twice is the same person.
func (s *server) createParticipant(c *gin.Context) {
	partyID, _ := strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	r, err := s.Recruit.RegisterParticipant(c.Request.Context(), *site.User(c), recruit.Registration{PartyID: partyID,
		Person: recruit.Person{CPR: c.PostForm("cpr"), Mobile: c.PostForm("mobile"), Email: c.PostForm("email"),
			Channel: models.Channel(c.PostForm("channel")), Diet: c.PostForm("diet")}})
	if s.pageRefused(c, err, func(status int, r refusal) {
		s.renderView(c, status, "participant_new.html", "participants.new", s.participantForm(c, r))
	}) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(r.Participant.ID, 10))
}

// participant shows one person to a user who may see them; reading it is
// logged in the audit log.
func (s *server) participant(c *gin.Context) {
	u := site.User(c)
	v, err := s.People.Participant(c.Request.Context(), *u, participantIDOf(c))
	if s.readFailed(c, err) {
		return
	}
	p := v.Participant
	view := &participantView{P: p, MaskedCPR: maskedCPR(p), Parties: v.Parties, MayEdit: site.Registrar.Allows(u),
		Notice: noticeOf(c, "contact.saved")}
	if u.Role != models.RolePartySecretary {
		view.Audit, view.Messages, view.ShowMessages = v.Audit, v.Messages, true
		view.MayReveal, view.MayRetry = site.StaffWrite.Allows(u), site.StaffWrite.Allows(u)
		// Each party's typed contact data and the edit history: staff only.
		if view.Contacts, err = s.People.ContactDetailsOf(c.Request.Context(), *u, p.ID); s.readFailed(c, err) {
			return
		}
	}
	s.renderView(c, http.StatusOK, "participant.html", p.Name, view)
}

// participantView is one person as the user may see them: a party
// secretary neither the audit log nor the messages; FullCPR only once
// revealed.
type participantView struct {
	Page
	P                   models.Participant
	MaskedCPR, FullCPR  string
	Parties             []models.Party
	Audit               []models.AuditEntry
	Messages            []models.MessageLog
	ShowMessages        bool
	MayReveal, MayRetry bool
	// The contact data shown is P's: for a party secretary what their
	// party typed (store.ParticipantFor), for staff the person's own, with
	// each party's and the edit history in Contacts.
	MayEdit  bool
	Contacts people.ContactDetails
	Notice   string
}

func participantIDOf(c *gin.Context) int64 {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	return id
}

// revealCPR shows the full CPR number once, to staff, and logs it.
func (s *server) revealCPR(c *gin.Context) {
	p, err := s.People.RevealCPR(c.Request.Context(), *site.User(c), participantIDOf(c))
	if s.readFailed(c, err) {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, http.StatusOK, "participant.html", p.Name, &participantView{P: p, MaskedCPR: maskedCPR(p),
		FullCPR: formatCPR(p.CPR.Reveal())})
}

func formatCPR(digits string) string {
	if len(digits) != 10 {
		return "–"
	}
	return digits[:6] + "-" + digits[6:]
}

// auditExport answers a subject-access request: every audit entry about the
// person, as CSV (UTF-8 with a BOM so Excel reads æøå). The export itself is
// logged. Staff only.
func (s *server) auditExport(c *gin.Context) {
	audit, err := s.People.AuditLogExport(c.Request.Context(), *site.User(c), participantIDOf(c))
	if s.readFailed(c, err) {
		return
	}
	p, entries, names := audit.Participant, audit.Entries, audit.Actors
	sheet := export.Sheet{Header: []string{"tidspunkt", "handling", "udført af", "detaljer"}}
	for _, e := range entries {
		actor := "system"
		if e.ActorID != nil {
			actor = names[*e.ActorID]
		}
		sheet.Rows = append(sheet.Rows, []any{e.At.In(models.Copenhagen).Format("2006-01-02 15:04:05"), string(e.Action), actor, e.Detail})
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="logudtraek-`+strconv.FormatInt(p.ID, 10)+`.csv"`)
	c.Header("Cache-Control", "no-store")
	// As every other export: Danish Excel's CSV, each cell formula-safe (a
	// user named "=HYPERLINK(…)" stays text).
	if err := export.CSV(c.Writer, sheet); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "audit export not written", "error", err)
	}
}
