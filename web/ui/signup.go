package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/web/site"
)

// Sign-up links (issue 19): the staff's and party secretaries' pages that
// make, list and close links, and the public page behind each link. The
// public page needs no login: the unguessable token in its address is the
// key. An unknown, disabled or expired link all get the same page; a full
// one says there are no more places. Nothing is written on GET.

// signupElections lists the elections one can make links for.
func (s *server) signupElections(c *gin.Context) {
	es, err := s.Recruit.NominationElections(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "signup_elections.html", "signup.links.title", map[string]any{"Elections": es})
}

// signupLinksView is the links page of an election.
type signupLinksView struct {
	Page
	Election models.Election
	Links    []signupLinkRow
	Choices  signup.Choices
	Form     signupLinkForm
	Errors   map[string]string
	Refusal  string
	Notice   string
	Consent  string
	// MayCreate: staff (write) and party secretaries; MayConsent: staff.
	MayCreate, MayConsent bool
	IsStaff               bool
}

type signupLinkRow struct {
	models.SignupLinkView
	URL string
}

// signupLinkForm is what the form of a new link was given.
type signupLinkForm struct {
	Name                string
	PartyID             int64
	TaskTypes, Stations map[int64]bool
	Claim               bool
	EndsOn, Max         string
}

func (s *server) signupLinks(c *gin.Context) {
	s.renderSignupLinks(c, http.StatusOK, signupLinkForm{Max: "50"}, nil, "", noticeOf(c, "signup.created", "signup.disabled", "signup.consent.saved"))
}

func (s *server) renderSignupLinks(c *gin.Context, status int, form signupLinkForm, errs map[string]string, refusal, notice string) {
	ctx := c.Request.Context()
	u := *site.User(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	e, err := s.Setup.Election(ctx, id)
	if s.readFailed(c, err) {
		return
	}
	links, err := s.Signup.Links(ctx, u, id)
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusForbidden {
		s.forbidden(c)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	v := &signupLinksView{Election: e, Form: form, Errors: errs, Refusal: refusal, Notice: notice,
		MayCreate: site.Registrar.Allows(&u), MayConsent: site.StaffWrite.Allows(&u), IsStaff: site.StaffOnly.Allows(&u)}
	for _, l := range links {
		v.Links = append(v.Links, signupLinkRow{SignupLinkView: l, URL: strings.TrimRight(s.PublicURL, "/") + signup.Path(l.Link)})
	}
	if v.MayCreate {
		if v.Choices, err = s.Signup.ChoicesFor(ctx, u); err != nil {
			s.fail(c, err)
			return
		}
	}
	if v.MayConsent {
		if v.Consent, err = s.Signup.Consent(ctx); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.renderView(c, status, "signup_links.html", "signup.links.title", v)
}

// ids reads a multi-valued form field of ids; a value that is no id is
// skipped (it can only come from a forged form: the page offers ids).
func ids(values []string) []int64 {
	var out []int64
	for _, v := range values {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func (s *server) createSignupLink(c *gin.Context) {
	electionID, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	form := signupLinkForm{Name: c.PostForm("name"), Claim: c.PostForm("claim") == "1", EndsOn: c.PostForm("ends_on"),
		Max: c.PostForm("max_signups"), TaskTypes: map[int64]bool{}, Stations: map[int64]bool{}}
	form.PartyID, _ = strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	in := models.NewSignupLink{Name: form.Name, ElectionID: electionID, PartyID: form.PartyID, Claim: form.Claim,
		TaskTypeIDs: ids(c.PostFormArray("task_type_ids")), StationIDs: ids(c.PostFormArray("station_ids"))}
	for _, id := range in.TaskTypeIDs {
		form.TaskTypes[id] = true
	}
	for _, id := range in.StationIDs {
		form.Stations[id] = true
	}
	errs := map[string]string{}
	var err error
	if in.EndsOn, err = models.ParseDate(form.EndsOn); err != nil {
		errs["ends_on"] = site.T(c)("error.signup.endson")
	}
	if in.MaxSignups, err = strconv.Atoi(strings.TrimSpace(form.Max)); err != nil {
		errs["max_signups"] = site.T(c)("error.signup.max", models.MaxSignupsLimit)
	}
	if len(errs) > 0 {
		s.renderSignupLinks(c, http.StatusUnprocessableEntity, form, errs, "", "")
		return
	}
	_, err = s.Signup.Create(c.Request.Context(), *site.User(c), in)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/tilmelding?besked=signup.created")
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused:
		if ue, ok := models.AsUserError(err); ok && ue.Field != "" {
			errs[ue.Field] = site.ErrText(c, err)
			s.renderSignupLinks(c, status, form, errs, "", "")
			return
		}
		s.renderSignupLinks(c, status, form, nil, site.ErrText(c, err), "")
	default:
		s.fail(c, err)
	}
}

func (s *server) disableSignupLink(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	ctx := c.Request.Context()
	u := *site.User(c)
	v, err := s.Signup.Link(ctx, u, id)
	if err == nil {
		err = s.Signup.Disable(ctx, u, id)
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(v.Link.ElectionID, 10)+"/tilmelding?besked=signup.disabled")
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	default:
		s.fail(c, err)
	}
}

func (s *server) saveSignupConsent(c *gin.Context) {
	err := s.Signup.SaveConsent(c.Request.Context(), *site.User(c), c.PostForm("consent"))
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/tilmelding?besked=signup.consent.saved")
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	case refused:
		s.renderSignupLinks(c, status, signupLinkForm{Max: "50"}, map[string]string{"consent": site.ErrText(c, err)}, "", "")
	default:
		s.fail(c, err)
	}
}

// signupView is the public page of a link.
type signupView struct {
	Page
	Offer   models.SignupOffer
	Self    string
	Consent []string // paragraphs of the municipality's text; nil: the default
	Form    signup.Form
	Errors  map[string]string
	Refusal string
	Contact models.Municipality
	// Channels are the preferred channels offered ("": the municipality's
	// default order).
	Channels []models.Channel
	MitID    bool // MitID is offered instead of the typed CPR number
}

// signupClosed is the page of a link that takes no sign-ups: the same for
// an unknown, a disabled and an expired link (404), its own words for a
// full one (409).
func (s *server) signupClosed(c *gin.Context, err error) bool {
	status, refused := site.RefusalStatus(err)
	switch {
	case err == nil:
		return false
	case refused && status == http.StatusNotFound:
		s.render(c, http.StatusNotFound, "signup_closed.html", "signup.closed.title",
			map[string]any{"Message": "error.signup.notopen", "Contact": s.secretariat(c)})
	case refused && status == http.StatusConflict:
		s.render(c, http.StatusConflict, "signup_closed.html", "signup.full.title",
			map[string]any{"Message": "error.signup.full", "Contact": s.secretariat(c)})
	default:
		s.fail(c, err)
	}
	return true
}

func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *server) signupForm(c *gin.Context) {
	o, err := s.Signup.Offer(c.Request.Context(), c.Param("token"))
	if s.signupClosed(c, err) {
		return
	}
	s.renderSignup(c, http.StatusOK, o, signup.Form{}, nil, "")
}

func (s *server) renderSignup(c *gin.Context, status int, o models.SignupOffer, f signup.Form, errs map[string]string, refusal string) {
	f.CPR = "" // never echoed back
	s.renderView(c, status, "signup.html", "signup.title", &signupView{Offer: o, Self: c.Request.URL.Path,
		Consent: paragraphs(o.Consent), Form: f, Errors: errs, Refusal: refusal, Contact: o.Municipality,
		Channels: []models.Channel{models.ChannelDefault, models.ChannelDigitalPost, models.ChannelEmail, models.ChannelSMS},
		MitID:    s.MitID.Enabled()})
}

// signupDoneView is the page after a sign-up.
type signupDoneView struct {
	Page
	Self    string
	Outcome signup.Outcome
	Offer   models.SignupOffer
	Contact models.Municipality
}

// signUp signs the person up (signup.Service.SignUp, which the MitID path
// calls too).
func (s *server) signUp(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	o, err := s.Signup.Offer(ctx, token)
	if s.signupClosed(c, err) {
		return
	}
	f := signupFormOf(c)
	f.CPR = c.PostForm("cpr")
	s.finishSignup(c, token, o, f)
}

func signupFormOf(c *gin.Context) signup.Form {
	return signup.Form{Mobile: c.PostForm("mobile"), Email: c.PostForm("email"),
		Channel: models.Channel(c.PostForm("channel")), Consent: c.PostForm("consent") == "1"}
}

// signupByMitID is the sign-up form's MitID button: the contact data go
// with the login (sealed while the person is at the provider) and the
// sign-up finishes with the CPR number of the ID token (signupMitID). A
// typed CPR number is ignored.
func (s *server) signupByMitID(c *gin.Context) {
	token := c.Param("token")
	if _, err := s.Signup.Offer(c.Request.Context(), token); s.signupClosed(c, err) {
		return
	}
	if !s.MitID.Enabled() {
		s.notFound(c)
		return
	}
	payload, err := json.Marshal(signupByMitIDPayload{Token: token, Form: signupFormOf(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.beginMitID(c, mitidSignup, payload)
}

// signupByMitIDPayload is what a sign-up by MitID carries through the
// login: the link and the form without a CPR number.
type signupByMitIDPayload struct {
	Token string
	Form  signup.Form
}

// signupMitID finishes a sign-up by MitID with the token's CPR number.
func (s *server) signupMitID(c *gin.Context, r mitid.Result) {
	var p signupByMitIDPayload
	if err := json.Unmarshal(r.Payload, &p); err != nil || p.Token == "" {
		s.mitidRefused(c, models.Refuse(mitid.KeyPurpose))
		return
	}
	o, err := s.Signup.Offer(c.Request.Context(), p.Token)
	if s.signupClosed(c, err) {
		return
	}
	p.Form.CPR = r.CPR.Digits()
	s.finishSignup(c, p.Token, o, p.Form)
}

// finishSignup signs up and shows the outcome, or the form again with
// its refusal (the CPR number never echoed).
func (s *server) finishSignup(c *gin.Context, token string, o models.SignupOffer, f signup.Form) {
	ctx := c.Request.Context()
	out, err := s.Signup.SignUp(ctx, token, f)
	if err == nil {
		s.renderView(c, http.StatusOK, "signup_done.html", "signup.done.title",
			&signupDoneView{Self: c.Request.URL.Path, Outcome: out, Offer: o, Contact: o.Municipality})
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case !refused:
		s.fail(c, err)
	case status == http.StatusNotFound || status == http.StatusConflict:
		s.signupClosed(c, err)
	default:
		if ue, ok := models.AsUserError(err); ok && ue.Field != "" {
			s.renderSignup(c, status, o, f, map[string]string{ue.Field: site.ErrText(c, err)}, "")
			return
		}
		s.renderSignup(c, status, o, f, nil, site.ErrText(c, err))
	}
}
