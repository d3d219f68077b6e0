package web

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
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

// participants lists the people the user may see: a party secretary their
// own party's, staff everyone (or one party's with ?parti=).
func (s *server) participants(c *gin.Context) {
	ctx := c.Request.Context()
	u := *currentUser(c)
	var list []models.Participant
	var err error
	switch {
	case u.Role == models.RolePartySecretary && u.PartyID != nil:
		list, err = store.ParticipantsOfParty(ctx, s.DB, u, *u.PartyID)
	case c.Query("parti") != "":
		id, _ := strconv.ParseInt(c.Query("parti"), 10, 64)
		list, err = store.ParticipantsOfParty(ctx, s.DB, u, id)
	default:
		list, err = store.AllParticipants(ctx, s.DB, u)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]participantRow, len(list))
	for i, p := range list {
		rows[i] = participantRow{p.ID, p.Name, maskedCPR(p)}
	}
	s.render(c, http.StatusOK, "participants.html", "participants.title", map[string]any{"Rows": rows})
}

func (s *server) newParticipantForm(c *gin.Context) {
	s.renderParticipantForm(c, http.StatusOK, "", "")
}

func (s *server) renderParticipantForm(c *gin.Context, status int, errMsg, errKey string) {
	s.render(c, status, "participant_new.html", "participants.new", s.participantFormData(c,
		map[string]any{"Error": errMsg, "ErrorKey": errKey}))
}

// participantFormData fills the registration form. The CPR number is never
// echoed back: the field starts empty again.
func (s *server) participantFormData(c *gin.Context, data map[string]any) map[string]any {
	var parties []models.Party
	u := currentUser(c)
	q := s.DB.WithContext(c.Request.Context())
	if u.Role == models.RolePartySecretary {
		q = q.Where("id = ?", *u.PartyID)
	}
	q.Find(&parties)
	models.SortDanish(parties, func(p models.Party) string { return p.Name })
	data["Parties"] = parties
	for _, k := range []string{"mobile", "email", "diet", "channel"} {
		data[strings.ToUpper(k[:1])+k[1:]] = c.PostForm(k)
	}
	return data
}

// eligibility checks a nomination to a party's list against the next
// active election, by the rules stored for its type. Pools outside the
// quota (staff, volunteers) are not checked here: their task types decide
// at nomination to a slot whether validation applies.
func (s *server) eligibility(c *gin.Context, facts models.PersonFacts, partyID int64) ([]models.Ineligibility, models.Election, error) {
	db := s.DB.WithContext(c.Request.Context())
	var party models.Party
	var e models.Election
	if err := db.First(&party, partyID).Error; err != nil || party.Kind == models.Pool {
		return nil, e, nil
	}
	today := models.DateOf(s.Now().In(models.Copenhagen))
	found := db.Where("state = ? AND election_day >= ?", models.ElectionActive, today).Order("election_day").Limit(1).Find(&e).RowsAffected
	if found == 0 {
		return nil, e, nil
	}
	reasons, err := s.ineligibility(c.Request.Context(), facts, e, true)
	return reasons, e, err
}

// ineligibility checks a person against the rules stored for the
// election's type (/valgtyper) in the municipality (validation off: alive
// only); none means eligible.
func (s *server) ineligibility(ctx context.Context, facts models.PersonFacts, e models.Election, validation bool) ([]models.Ineligibility, error) {
	var m models.Municipality
	if err := s.DB.WithContext(ctx).First(&m).Error; err != nil {
		return nil, err
	}
	rules, err := store.RulesFor(ctx, s.DB, e.Kind)
	if err != nil {
		return nil, err
	}
	return rules.Check(e.ElectionDay, m.Code, facts, validation), nil
}

// createParticipant registers a person by CPR number: the number is
// checked, looked up in the CPR register for the name and status, encrypted
// and stored; the same number twice is the same person.
func (s *server) createParticipant(c *gin.Context) {
	ctx := c.Request.Context()
	u := *currentUser(c)
	number, err := models.ParseCPR(c.PostForm("cpr"))
	if err != nil {
		var ce *models.UserError
		if errors.As(err, &ce) {
			s.renderParticipantForm(c, http.StatusUnprocessableEntity, errText(c, ce), "")
			return
		}
		s.fail(c, err)
		return
	}
	partyID, _ := strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	if u.Role == models.RolePartySecretary {
		partyID = *u.PartyID
	}
	if s.CPR == nil || s.Keys == nil {
		s.renderParticipantForm(c, http.StatusServiceUnavailable, "", "participants.noregister")
		return
	}
	// Contact data first: a typing error costs no register lookup.
	if err := store.CheckContact(c.PostForm("mobile"), c.PostForm("email"), models.Channel(c.PostForm("channel")), c.PostForm("diet")); err != nil {
		s.renderParticipantForm(c, http.StatusUnprocessableEntity, errText(c, err), "")
		return
	}
	person, err := s.lookUpPerson(ctx, u, number)
	var r *refusal
	if errors.As(err, &r) {
		s.renderParticipantForm(c, r.status, "", r.key)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	if reasons, election, err := s.eligibility(c, person.PersonFacts, partyID); err != nil {
		s.fail(c, err)
		return
	} else if len(reasons) > 0 {
		s.render(c, http.StatusUnprocessableEntity, "participant_new.html", "participants.new", s.participantFormData(c,
			map[string]any{"Ineligible": reasons, "Election": election}))
		return
	}
	name := strings.TrimSpace(person.GivenName + " " + person.Surname)
	p, _, err := store.RegisterParticipant(ctx, s.DB, s.Keys, u, store.NewParticipant{
		CPR: number, Name: name, Mobile: c.PostForm("mobile"), Email: c.PostForm("email"),
		PreferredChannel: models.Channel(c.PostForm("channel")), SpecialDiet: strings.TrimSpace(c.PostForm("diet")),
		PartyID: partyID, DigitalPostExempt: person.DigitalPostExempt, ProtectedAddress: person.ProtectedAddress}, s.Now().UTC())
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderParticipantForm(c, http.StatusUnprocessableEntity, errText(c, ue), "")
		return
	case errors.Is(err, store.ErrForbidden):
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(p.ID, 10))
}

// refusal is why a person cannot be taken on, as a message key and the
// status to answer with.
type refusal struct {
	status int
	key    string
}

func (r *refusal) Error() string { return r.key }

// lookUpPerson asks the CPR register about a number for registration or
// nomination. The lookup is written to the audit log under the number's
// blind index whatever the answer, so the person can later learn of it. A
// number the register does not know, a dead person and a register that does
// not answer come back as a *refusal.
func (s *server) lookUpPerson(ctx context.Context, actor models.User, number models.CPR) (cpr.Person, error) {
	person, err := s.CPR.Lookup(ctx, number)
	subject := store.CPRIndex(s.Keys, number)
	if aerr := store.Audit(s.DB.WithContext(ctx), models.AuditEntry{At: s.Now().UTC(), ActorID: &actor.ID,
		Action: models.AuditCPRLookup, SubjectIndex: &subject, Detail: "SF1520 lookup at nomination"}); aerr != nil {
		return person, aerr
	}
	switch {
	case errors.Is(err, cpr.ErrNotFound):
		return person, &refusal{http.StatusUnprocessableEntity, "participants.notfound"}
	case err != nil:
		s.Log.ErrorContext(ctx, "CPR register lookup failed", "error", err)
		return person, &refusal{http.StatusBadGateway, "participants.registerdown"}
	case person.Status == "90":
		return person, &refusal{http.StatusUnprocessableEntity, "participants.dead"}
	}
	return person, nil
}

// participant shows one person to a user who may see them; reading it is
// logged in the audit log.
func (s *server) participant(c *gin.Context) {
	p, parties, ok := s.auditedParticipant(c, models.AuditParticipantRead, "")
	if !ok {
		return
	}
	u := currentUser(c)
	data := map[string]any{"P": p, "MaskedCPR": maskedCPR(p), "Parties": parties}
	if u.Role != models.RolePartySecretary {
		log, _ := store.AuditLogOf(c.Request.Context(), s.DB, p.ID)
		data["Audit"] = log
		data["MayReveal"] = staffWrite.allows(u)
		msgs, err := store.MessagesOf(c.Request.Context(), s.DB, p.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		data["Messages"], data["ShowMessages"], data["MayRetry"] = msgs, true, staffWrite.allows(u)
	}
	s.render(c, http.StatusOK, "participant.html", p.Name, data)
}

// auditedParticipant loads the participant of the :id parameter if the user
// may see them, and logs the access as action. On false the response is
// written (404 for a person the user may not see: the two look alike).
func (s *server) auditedParticipant(c *gin.Context, action models.AuditAction, detail string) (models.Participant, []models.Party, bool) {
	ctx := c.Request.Context()
	u := currentUser(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	p, parties, err := store.ParticipantFor(ctx, s.DB, *u, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c)
		return p, nil, false
	}
	if err == nil {
		err = store.Audit(s.DB.WithContext(ctx), models.AuditEntry{At: s.Now().UTC(), ActorID: &u.ID,
			Action: action, ParticipantID: &p.ID, Detail: detail})
	}
	if err != nil {
		s.fail(c, err)
		return p, nil, false
	}
	return p, parties, true
}

// revealCPR shows the full CPR number once, to staff, and logs it.
func (s *server) revealCPR(c *gin.Context) {
	p, _, ok := s.auditedParticipant(c, models.AuditCPRRevealed, "shown on screen")
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "participant.html", p.Name, map[string]any{"P": p, "MaskedCPR": maskedCPR(p),
		"FullCPR": formatCPR(p.CPR.Reveal())})
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
	ctx := c.Request.Context()
	p, _, ok := s.auditedParticipant(c, models.AuditExport, "audit log export (subject-access request)")
	if !ok {
		return
	}
	entries, err := store.AuditLogOf(ctx, s.DB, p.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	names := map[int64]string{}
	var users []models.User
	s.DB.WithContext(ctx).Find(&users)
	for _, x := range users {
		names[x.ID] = x.Name
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="logudtraek-`+strconv.FormatInt(p.ID, 10)+`.csv"`)
	c.Header("Cache-Control", "no-store")
	w := csv.NewWriter(c.Writer)
	c.Writer.WriteString("\ufeff")
	w.Write([]string{"tidspunkt", "handling", "udført af", "detaljer"})
	for _, e := range entries {
		actor := "system"
		if e.ActorID != nil {
			actor = names[*e.ActorID]
		}
		w.Write([]string{e.At.In(models.Copenhagen).Format("2006-01-02 15:04:05"), string(e.Action), actor, e.Detail})
	}
	w.Flush()
}
