package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// sessionOnly refuses a request made with an API token (403, and true):
// a token neither creates nor revokes tokens; an administrator's session,
// behind their password and TOTP, does.
func sessionOnly(c *gin.Context) bool {
	if site.ByAPIToken(c) {
		apiError(c, http.StatusForbidden, site.T(c)("api.tokenbytoken"))
		return true
	}
	return false
}

// apiToken is a token as the API shows it, never its hash.
type apiToken struct {
	ID        int64   `json:"id"`
	UserID    int64   `json:"user_id"`
	Name      string  `json:"name"`
	CreatedAt string  `json:"created_at"`
	ExpiresAt string  `json:"expires_at"`
	RevokedAt *string `json:"revoked_at"`
}

func toAPIToken(t models.APIToken) apiToken {
	out := apiToken{ID: t.ID, UserID: t.UserID, Name: t.Name,
		CreatedAt: t.CreatedAt.UTC().Format(timeFormat), ExpiresAt: t.ExpiresAt.UTC().Format(timeFormat)}
	if t.RevokedAt != nil {
		r := t.RevokedAt.UTC().Format(timeFormat)
		out.RevokedAt = &r
	}
	return out
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

// apiCreateToken gives a user an API token that expires after
// expires_in_days days (absent: 90; 1–365); the token is in this answer
// only. Administrators, by session; never for another administrator.
func (s *server) apiCreateToken(c *gin.Context) {
	if sessionOnly(c) {
		return
	}
	var in struct {
		UserID        int64  `json:"user_id"`
		Name          string `json:"name"`
		ExpiresInDays *int   `json:"expires_in_days"`
	}
	if !bindJSON(c, &in) {
		return
	}
	req := models.NewAPIToken{UserID: in.UserID, Name: in.Name}
	if in.ExpiresInDays != nil {
		if *in.ExpiresInDays < 1 {
			s.apiStoreError(c, models.RefuseField("expires_in_days", "error.apitoken.days", models.APITokenMaxDays))
			return
		}
		req.ExpiresInDays = *in.ExpiresInDays
	}
	token, t, err := s.Accounts.CreateAPIToken(c.Request.Context(), *site.User(c), req)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := toAPIToken(t)
	c.JSON(http.StatusCreated, gin.H{"token": token, "id": out.ID, "user_id": out.UserID, "name": out.Name,
		"created_at": out.CreatedAt, "expires_at": out.ExpiresAt})
}

// apiRevokeToken ends a token at once. Administrators, by session.
func (s *server) apiRevokeToken(c *gin.Context) {
	if sessionOnly(c) {
		return
	}
	t, err := s.Accounts.RevokeAPIToken(c.Request.Context(), *site.User(c), apiID(c, "id"))
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAPIToken(t))
}
