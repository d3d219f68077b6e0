package api

import (
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
