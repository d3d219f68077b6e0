package models

import (
	"database/sql/driver"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Copenhagen whatever the host or image carries
)

// Copenhagen is the civil time zone every date and time is shown in.
var Copenhagen = mustLoadLocation("Europe/Copenhagen")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("time zone %s: %v (the binary embeds time/tzdata)", name, err))
	}
	return loc
}

// Date is a civil date (an election day, a task date) without a time or a
// zone. Stored as DATE in PostgreSQL and as 'YYYY-MM-DD' text in SQLite, so a
// date never shifts by a day when the server's zone differs from Copenhagen.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// NewDate returns the date, normalised (31 April becomes 1 May).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form ÅÅÅÅ-MM-DD", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// DaysSince returns the number of calendar days from o to d.
func (d Date) DaysSince(o Date) int {
	return int(d.In(time.UTC).Sub(o.In(time.UTC)).Hours() / 24)
}

// DaysUntil returns how many days are left from now (in Copenhagen) until d;
// never negative: a date in the past is 0 days away.
func (d Date) DaysUntil(now time.Time) int {
	return max(0, d.DaysSince(DateOf(now.In(Copenhagen))))
}

// Value stores the date as 'YYYY-MM-DD', which both PostgreSQL's DATE and
// SQLite's text affinity accept.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date from PostgreSQL (time.Time) or SQLite (text).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("cannot scan %T into a date", src)
}

func (d *Date) scanText(s string) error {
	if len(s) > len(dateLayout) {
		s = s[:len(dateLayout)] // SQLite drivers may hand back a timestamp
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// GormDataType makes gorm declare the column as a date.
func (Date) GormDataType() string { return "date" }

var (
	danishWeekdays = [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
	danishMonths   = [12]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}
)

// DanishLongDate writes d the Danish way: "tirsdag den 19. januar 2027".
func DanishLongDate(d Date) string {
	return fmt.Sprintf("%s den %d. %s %d", danishWeekdays[d.In(time.UTC).Weekday()], d.Day, danishMonths[d.Month-1], d.Year)
}

// DanishWeekday is d's weekday in Danish, e.g. "tirsdag".
func DanishWeekday(d Date) string { return danishWeekdays[d.In(time.UTC).Weekday()] }
