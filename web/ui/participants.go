package ui

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
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

// createParticipant registers a person by CPR number
// (recruit.RegisterParticipant): the number is checked, looked up in the
// CPR register for the name and status, encrypted and stored; the same
// number twice is the same person.
func (s *server) createParticipant(c *gin.Context) {
	partyID, _ := strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	r, err := s.Recruit.RegisterParticipant(c.Request.Context(), *currentUser(c), recruit.Registration{PartyID: partyID,
		Person: recruit.Person{CPR: c.PostForm("cpr"), Mobile: c.PostForm("mobile"), Email: c.PostForm("email"),
			Channel: models.Channel(c.PostForm("channel")), Diet: c.PostForm("diet")}})
	if s.pageRefused(c, err, func(status int, data map[string]any) {
		s.render(c, status, "participant_new.html", "participants.new", s.participantFormData(c, data))
	}) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(r.Participant.ID, 10))
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
		data["MayReveal"] = staffWrite.Allows(u)
		msgs, err := store.MessagesOf(c.Request.Context(), s.DB, p.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		data["Messages"], data["ShowMessages"], data["MayRetry"] = msgs, true, staffWrite.Allows(u)
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
	if errors.Is(err, models.ErrNotFound) {
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
