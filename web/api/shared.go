package api

import (
	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The request's user, language and refusal texts, as the API names them.
var (
	currentUser   = site.User
	translator    = site.T
	errText       = site.ErrText
	fieldTexts    = site.FieldTexts
	refusalTexts  = site.RefusalTexts
	isKeyed       = site.IsKeyed
	refusalStatus = site.RefusalStatus
)

const apiPrefix = site.APIPrefix

// areaNames: TEMPORARY until setup has it (merge of uc-setup).
func (s *server) areaNames(c *gin.Context) map[int64]string {
	var areas []models.Area
	s.DB.WithContext(c.Request.Context()).Find(&areas)
	names := map[int64]string{}
	for _, a := range areas {
		names[a.ID] = a.Name
	}
	return names
}
