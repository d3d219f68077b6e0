package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
)

// The UI speaks Danish; English is a choice (?lang=en), remembered in a
// cookie. The browser's Accept-Language is not consulted: many Danish staff
// run English-language systems and still expect the municipality's Danish.
const (
	danish  = locale.Danish
	english = locale.English
)

// language picks the page language and remembers an explicit choice.
func language(c *gin.Context) {
	l := danish
	if q := c.Query("lang"); locale.Supported(q) {
		l = q
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie("lang", l, 365*24*3600, "/", "", false, true)
	} else if ck, err := c.Cookie("lang"); err == nil && locale.Supported(ck) {
		l = ck
	}
	c.Set("lang", l)
	c.Next()
}

func lang(c *gin.Context) string {
	if l, ok := c.Get("lang"); ok {
		return l.(string)
	}
	return danish
}

// translator returns the T function the templates call: T "key" args...
func translator(c *gin.Context) func(string, ...any) string {
	l := lang(c)
	return func(key string, args ...any) string { return locale.Text(l, key, args...) }
}

var (
	englishWeekdays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	englishMonths   = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"}
)

// longDate writes a civil date the way each language does:
// "tirsdag den 19. januar 2027", "Tuesday 19 January 2027".
func longDate(l string, d models.Date) string {
	if l == english {
		return fmt.Sprintf("%s %d %s %d", englishWeekdays[d.In(time.UTC).Weekday()], d.Day, englishMonths[d.Month-1], d.Year)
	}
	return models.DanishLongDate(d)
}

var templateFuncs = template.FuncMap{
	"longDate":  longDate,
	"deref":     func(p *int64) int64 { return *p },
	"derefTime": func(p *time.Time) time.Time { return *p },
	// clock shows an instant in Copenhagen time, the Danish way.
	"clock":      func(t time.Time) string { return t.In(models.Copenhagen).Format("02.01.2006 15:04") },
	"shortDate":  shortDate,
	"seedText":   func(seed int64) string { return models.SeedText(seed).String() },
	"joinNames":  func(names []string) string { return strings.Join(names, ", ") },
	"countCells": countCells,
	"partyLabel": partyLabel,
}

// shortDate is a date for a column heading: "tir 19.01.", "Tue 19/01".
func shortDate(l string, d models.Date) string {
	wd := []rune(models.DanishWeekday(d))
	if l == english {
		wd = []rune(englishWeekdays[d.In(time.UTC).Weekday()])
	}
	if len(wd) > 3 {
		wd = wd[:3]
	}
	if l == english {
		return fmt.Sprintf("%s %02d/%02d", string(wd), d.Day, d.Month)
	}
	return fmt.Sprintf("%s %02d.%02d.", string(wd), d.Day, d.Month)
}

// errText is err as the request's reader sees it: a refusal in their
// language, anything else as the generic sentence (its text is for the log).
func errText(c *gin.Context, err error) string { return locale.Error(lang(c), err) }

// fieldTexts translates a refusal per field.
func fieldTexts(c *gin.Context, fe models.FieldErrors) map[string]string {
	if fe == nil {
		return nil
	}
	out := make(map[string]string, len(fe))
	for field, ue := range fe {
		out[field] = errText(c, ue)
	}
	return out
}

// refusalTexts translates a list of refusals.
func refusalTexts(c *gin.Context, refusals []*models.UserError) []string {
	out := make([]string, len(refusals))
	for i, ue := range refusals {
		out[i] = errText(c, ue)
	}
	return out
}
