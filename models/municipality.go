package models

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The range of the kommunekoder of Denmark's municipalities (101 København
// … 860 Hjørring).
const (
	MunicipalityCodeMin = 101
	MunicipalityCodeMax = 860
)

// ParseMunicipalityCode reads a kommunekode as a person types it, three
// digits from 101 to 860 ("607"; with CPR's leading zero, "0607", too), and
// gives it in the stored form: four digits with a leading zero, as CPR
// reports the municipality of an address ("0607"), which the eligibility
// check compares it with. ok is false for anything else.
func ParseMunicipalityCode(s string) (code string, ok bool) {
	if len(s) < 3 || len(s) > 4 {
		return "", false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
		n = 10*n + int(r-'0')
	}
	if n < MunicipalityCodeMin || n > MunicipalityCodeMax {
		return "", false
	}
	return fmt.Sprintf("%04d", n), true
}

// cvrWeights are the weights of CVR's modulus-11 check.
var cvrWeights = [8]int{2, 7, 6, 5, 4, 3, 2, 1}

// ValidCVR tells whether s is a CVR number: eight digits, the first not a
// zero, whose sum weighted 2, 7, 6, 5, 4, 3, 2, 1 is divisible by 11.
func ValidCVR(s string) bool {
	if len(s) != 8 || s[0] == '0' {
		return false
	}
	sum := 0
	for i := range 8 {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * cvrWeights[i]
	}
	return sum%11 == 0
}

// AuditMunicipalityUpdated: an administrator changed the municipality's
// settings. Its detail names the fields changed, never their values.
const AuditMunicipalityUpdated AuditAction = "municipality.updated"

// MunicipalitySettings is the municipality's settings form as typed; the
// settings page (and, for Name, Code and CVR, `valghalla setup`) sends it.
// A refusal names its field: name, code, cvr, email_sender_name,
// digital_post_sender_name, secretariat_address, secretariat_phone,
// secretariat_email, secretary_lookups_per_day, secretary_csv_rows.
type MunicipalitySettings struct {
	Name                  string
	Code                  string // the kommunekode, 101–860 ("607" or "0607")
	CVR                   string
	EmailSenderName       string
	DigitalPostSenderName string
	SecretariatAddress    string
	SecretariatPhone      string
	SecretariatEmail      string
	// SecretaryLookupsPerDay and SecretaryCSVRows are the party
	// secretaries' limits as typed: a whole number from 1 to
	// MaxLookupsPerDay (MaxCSVRows); empty means the default.
	SecretaryLookupsPerDay string
	SecretaryCSVRows       string
	// StoredCode is the code stored now, accepted unchanged even outside
	// 101–860: the demo and test seeds' fictitious "0999" must not stop
	// the other settings being saved.
	StoredCode string
}

// Settings is the form of a municipality as it is, its code as a person
// types it (three digits).
func (m Municipality) Settings() MunicipalitySettings {
	code := m.Code
	if len(code) == 4 && code[0] == '0' {
		code = code[1:]
	}
	return MunicipalitySettings{Name: m.Name, Code: code, CVR: m.CVR, EmailSenderName: m.EmailSenderName,
		DigitalPostSenderName: m.DigitalPostSenderName, SecretariatAddress: m.SecretariatAddress,
		SecretariatPhone: m.SecretariatPhone, SecretariatEmail: m.SecretariatEmail,
		SecretaryLookupsPerDay: strconv.Itoa(m.LookupsPerDay()), SecretaryCSVRows: strconv.Itoa(m.CSVRows())}
}

// The party secretaries' limits: CPR register lookups a day, so that the
// register (each lookup paid for) is no oracle, and rows of one upload.
const (
	DefaultLookupsPerDay = 200
	MaxLookupsPerDay     = 100000
	DefaultCSVRows       = 500
	MaxCSVRows           = 5000 // the most any upload may have (store.MaxCSVRows)
)

// LookupsPerDay is how many CPR register lookups a party secretary may
// make a day.
func (m Municipality) LookupsPerDay() int {
	if m.SecretaryLookupsPerDay <= 0 {
		return DefaultLookupsPerDay
	}
	return m.SecretaryLookupsPerDay
}

// CSVRows is the most rows a party secretary's nomination upload may have.
func (m Municipality) CSVRows() int {
	if m.SecretaryCSVRows <= 0 {
		return DefaultCSVRows
	}
	return m.SecretaryCSVRows
}

// Limits of the municipality's settings, in characters.
const (
	MaxMunicipalityName = 200
	MaxSenderName       = 100
	MaxSecretariatField = 300
	maxEmailAddress     = 254
)

// Check checks the settings and gives them as a Municipality (trimmed, the
// code in its stored four digits, the e-mail in lower case). Every bad
// value is refused under its field; the Municipality is then not to be
// stored. The name, code and CVR number are required; the rest may be
// empty.
func (in MunicipalitySettings) Check() (Municipality, FieldErrors) {
	errs := FieldErrors{}
	// One line of text of at most max characters.
	text := func(field, value string, max int) string {
		v := strings.TrimSpace(value)
		if utf8.RuneCountInString(v) > max || !CleanText(v) || strings.ContainsAny(v, "\r\n\t") {
			errs[field] = RefuseField(field, "error.municipality.line", max)
		}
		return v
	}
	m := Municipality{
		Name:                  text("name", in.Name, MaxMunicipalityName),
		CVR:                   strings.TrimSpace(in.CVR),
		EmailSenderName:       text("email_sender_name", in.EmailSenderName, MaxSenderName),
		DigitalPostSenderName: text("digital_post_sender_name", in.DigitalPostSenderName, MaxSenderName),
		SecretariatAddress:    text("secretariat_address", in.SecretariatAddress, MaxSecretariatField),
		SecretariatPhone:      strings.TrimSpace(in.SecretariatPhone),
		SecretariatEmail:      strings.ToLower(strings.TrimSpace(in.SecretariatEmail)),
	}
	if m.Name == "" {
		errs["name"] = RefuseField("name", "error.municipality.name")
	}
	code, ok := ParseMunicipalityCode(strings.TrimSpace(in.Code))
	// The form shows a stored "0999" as "999" (Settings), so either is it.
	if typed := strings.TrimSpace(in.Code); in.StoredCode != "" && (typed == in.StoredCode || "0"+typed == in.StoredCode) {
		code, ok = in.StoredCode, true
	}
	if !ok {
		errs["code"] = RefuseField("code", "error.municipality.code")
	}
	m.Code = code
	if !ValidCVR(m.CVR) {
		errs["cvr"] = RefuseField("cvr", "error.municipality.cvr")
	}
	if m.SecretariatPhone != "" && !PlausiblePhone(m.SecretariatPhone) {
		errs["secretariat_phone"] = RefuseField("secretariat_phone", "error.municipality.phone")
	}
	if m.SecretariatEmail != "" && !ValidEmail(m.SecretariatEmail) {
		errs["secretariat_email"] = RefuseField("secretariat_email", "error.user.email")
	}
	// A whole number from 1 to max; empty is the default.
	limit := func(field, value string, def, max int) int {
		v := strings.TrimSpace(value)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			errs[field] = RefuseField(field, "error.municipality.limit", max)
		}
		return n
	}
	m.SecretaryLookupsPerDay = limit("secretary_lookups_per_day", in.SecretaryLookupsPerDay, DefaultLookupsPerDay, MaxLookupsPerDay)
	m.SecretaryCSVRows = limit("secretary_csv_rows", in.SecretaryCSVRows, DefaultCSVRows, MaxCSVRows)
	if len(errs) > 0 {
		return Municipality{}, errs
	}
	return m, nil
}

// PlausiblePhone tells whether s looks like a telephone number: digits and
// spaces, perhaps a leading +, with 8 to 15 digits ("+45 72 10 00 00",
// "72100000").
func PlausiblePhone(s string) bool {
	if len(s) > 30 {
		return false
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

// ValidEmail tells whether s is a bare e-mail address ("valg@kommune.dk"),
// as net/mail reads one, with nothing around it.
func ValidEmail(s string) bool {
	if len(s) > maxEmailAddress {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// EmailSender is the display name of the e-mail's sender: the e-mail sender
// name when set, else the municipality's name.
func (m Municipality) EmailSender() string {
	if m.EmailSenderName != "" {
		return m.EmailSenderName
	}
	return m.Name
}

// DigitalPostSender is the sender name (afsender) of a Digital Post letter:
// the Digital Post sender name when set, else the municipality's name.
func (m Municipality) DigitalPostSender() string {
	if m.DigitalPostSenderName != "" {
		return m.DigitalPostSenderName
	}
	return m.Name
}

// NotGiven fills a merge field whose setting is empty: a field without a
// value cannot be rendered (Template.Render).
const NotGiven = "ikke oplyst"

// SiteFields are the merge fields of the municipality that every kind of
// message offers: its name and the election secretariat's address,
// telephone and e-mail.
var SiteFields = []string{"site:name", "site:address", "site:phone", "site:email"}

// SiteValues fills SiteFields from the municipality's settings, "ikke
// oplyst" (NotGiven) for a contact detail not set.
func (m Municipality) SiteValues() map[string]string {
	or := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return NotGiven
		}
		return s
	}
	return map[string]string{"site:name": m.Name, "site:address": or(m.SecretariatAddress),
		"site:phone": or(m.SecretariatPhone), "site:email": or(m.SecretariatEmail)}
}

// WithSite adds the municipality's merge fields (SiteValues) to values
// and returns it.
func WithSite(values map[string]string, m Municipality) map[string]string {
	for k, v := range m.SiteValues() {
		values[k] = v
	}
	return values
}
