package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The API token pages: every token for administrators, with the form that
// issues one; each user's own tokens on their account. Both revoke.
const (
	adminTokensPath = "/admin/api-noegler"
	ownTokensPath   = "/konto/api-noegler"
)

// apiTokensView is a list of tokens; on the administrators' page also the
// form that issues one, and the token just issued, shown this once.
type apiTokensView struct {
	Page
	refusal
	Admin    bool
	Action   string // where the revoke buttons post: the page's own path
	Notice   string
	Tokens   []models.APITokenView
	Users    []models.User // whom a token may be issued to
	Form     apiTokenForm
	NewToken string
	Issued   models.APIToken
	MaxDays  int
}

type apiTokenForm struct {
	UserID int64
	Name   string
	Days   string
}

// adminAPITokens lists every token, with the form that issues one.
func (s *server) adminAPITokens(c *gin.Context) {
	s.renderAdminTokens(c, http.StatusOK, &apiTokensView{Form: apiTokenForm{Days: strconv.Itoa(models.APITokenDefaultDays)},
		Notice: noticeOf(c, "apitokens.revoked")})
}

func (s *server) renderAdminTokens(c *gin.Context, status int, v *apiTokensView) {
	ctx := c.Request.Context()
	me := *site.User(c)
	tokens, err := s.Accounts.APITokens(ctx, me, true)
	if s.readFailed(c, err) {
		return
	}
	users, err := s.Accounts.Users(ctx, "")
	if s.readFailed(c, err) {
		return
	}
	v.Admin, v.Action, v.Tokens, v.MaxDays = true, adminTokensPath, tokens, models.APITokenMaxDays
	for _, u := range users.Users {
		// Never another administrator's: an administrator's token is theirs;
		// nor a deactivated user's, whose token would never work.
		if (u.Role != models.RoleAdmin || u.ID == me.ID) && u.DeactivatedAt == nil {
			v.Users = append(v.Users, u)
		}
	}
	s.renderView(c, status, "apitokens.html", "apitokens.title", v)
}

// createAPIToken issues a token and shows it in this answer only.
func (s *server) createAPIToken(c *gin.Context) {
	form := apiTokenForm{Name: c.PostForm("name"), Days: strings.TrimSpace(c.PostForm("days"))}
	form.UserID, _ = strconv.ParseInt(c.PostForm("user_id"), 10, 64)
	in := models.NewAPIToken{UserID: form.UserID, Name: form.Name}
	var err error
	if form.Days != "" {
		if in.ExpiresInDays, err = strconv.Atoi(form.Days); err != nil || in.ExpiresInDays < 1 {
			err = models.RefuseField("expires_in_days", "error.apitoken.days", models.APITokenMaxDays)
		}
	}
	var token string
	var t models.APIToken
	if err == nil {
		token, t, err = s.Accounts.CreateAPIToken(c.Request.Context(), *site.User(c), in)
	}
	if s.pageRefused(c, err, func(status int, r refusal) {
		s.renderAdminTokens(c, status, &apiTokensView{refusal: r, Form: form})
	}) {
		return
	}
	c.Header("Cache-Control", "no-store") // the token is in this page only
	s.renderAdminTokens(c, http.StatusCreated, &apiTokensView{NewToken: token, Issued: t,
		Form: apiTokenForm{Days: strconv.Itoa(models.APITokenDefaultDays)}})
}

// ownAPITokens lists the user's own tokens.
func (s *server) ownAPITokens(c *gin.Context) {
	tokens, err := s.Accounts.APITokens(c.Request.Context(), *site.User(c), false)
	if s.readFailed(c, err) {
		return
	}
	s.renderView(c, http.StatusOK, "apitokens.html", "apitokens.own.title", &apiTokensView{Action: ownTokensPath,
		Tokens: tokens, Notice: noticeOf(c, "apitokens.revoked")})
}

// revokeAPIToken ends a token at once and returns to the list it was on:
// an administrator any token, a user their own (another's is not found).
func (s *server) revokeAPIToken(back string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
		_, err := s.Accounts.RevokeAPIToken(c.Request.Context(), *site.User(c), id)
		if s.readFailed(c, err) {
			return
		}
		c.Redirect(http.StatusSeeOther, back+"?besked=apitokens.revoked")
	}
}
