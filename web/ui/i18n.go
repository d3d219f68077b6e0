package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

var (
	englishWeekdays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	englishMonths   = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"}
)

// longDate writes a civil date the way each language does:
// "tirsdag den 19. januar 2027", "Tuesday 19 January 2027".
func longDate(l string, d models.Date) string {
	if l == site.English {
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
	if l == site.English {
		wd = []rune(englishWeekdays[d.In(time.UTC).Weekday()])
	}
	if len(wd) > 3 {
		wd = wd[:3]
	}
	if l == site.English {
		return fmt.Sprintf("%s %02d/%02d", string(wd), d.Day, d.Month)
	}
	return fmt.Sprintf("%s %02d.%02d.", string(wd), d.Day, d.Month)
}
