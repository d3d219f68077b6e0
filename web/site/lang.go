package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
)

// The UI speaks Danish; English is a choice (?lang=en), remembered in a
// cookie. The browser's Accept-Language is not consulted: many Danish staff
// run English-language systems and still expect the municipality's Danish.
const (
	Danish  = locale.Danish
	English = locale.English
)

// Language is the middleware that picks the request's language and
// remembers an explicit choice.
func Language(c *gin.Context) {
	l := Danish
	if q := c.Query("lang"); locale.Supported(q) {
		l = q
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie("lang", l, 365*24*3600, "/", "", false, true)
	} else if ck, err := c.Cookie("lang"); err == nil && locale.Supported(ck) {
		l = ck
	}
	c.Set(langKey, l)
	c.Next()
}

// Lang is the request's language.
func Lang(c *gin.Context) string {
	if l, ok := c.Get(langKey); ok {
		return l.(string)
	}
	return Danish
}

// T returns the request's translator: T("key", args...).
func T(c *gin.Context) func(string, ...any) string {
	l := Lang(c)
	return func(key string, args ...any) string { return locale.Text(l, key, args...) }
}

// ErrText is err as the request's reader sees it: a refusal in their
// language, anything else as the generic sentence (its text is for the log).
func ErrText(c *gin.Context, err error) string { return locale.Error(Lang(c), err) }

// FieldTexts translates a refusal per field.
func FieldTexts(c *gin.Context, fe models.FieldErrors) map[string]string {
	if fe == nil {
		return nil
	}
	out := make(map[string]string, len(fe))
	for field, ue := range fe {
		out[field] = ErrText(c, ue)
	}
	return out
}

// RefusalTexts translates a list of refusals.
func RefusalTexts(c *gin.Context, refusals []*models.UserError) []string {
	out := make([]string, len(refusals))
	for i, ue := range refusals {
		out[i] = ErrText(c, ue)
	}
	return out
}

// IsKeyed tells whether err is a keyed refusal (a models.UserError).
func IsKeyed(err error) bool {
	_, ok := models.AsUserError(err)
	return ok
}

var refusalStatuses = map[recruit.Kind]int{
	recruit.Invalid:      http.StatusUnprocessableEntity,
	recruit.Conflict:     http.StatusConflict,
	recruit.Forbidden:    http.StatusForbidden,
	recruit.NotFound:     http.StatusNotFound,
	recruit.Unavailable:  http.StatusServiceUnavailable,
	recruit.RegisterDown: http.StatusBadGateway,
	recruit.TooMany:      http.StatusTooManyRequests,
}

// RefusalStatus is the status of a use case's refusal (its kind); ok is
// false for an error that is no refusal (a failure: 500).
func RefusalStatus(err error) (int, bool) {
	kind, ok := recruit.KindOf(err)
	if !ok {
		return http.StatusInternalServerError, false
	}
	return refusalStatuses[kind], true
}
