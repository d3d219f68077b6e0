package models

import (
	"strings"
	"time"
)

// PersonFacts is what the CPR register says about a person (no I/O here).
type PersonFacts struct {
	CPR              CPR
	Status           string // CPR status code "01","03","05","07" active; "20" no fixed address; "30" cancelled; "50" deleted; "60" changed; "70" disappeared; "80" emigrated; "90" dead
	Citizenship      string // CPR country code, "5100" = Denmark
	MunicipalityCode string // 4 digits, current address
	FullGuardianship bool   // under guardianship with loss of legal capacity (umyndiggjort, værgemål efter § 6; SF1520 v5 VærgemålType FULD)
	// PartialGuardianship: SF1520 v5 reports VærgemålType DELVIS inside
	// umyndiggoerelse. It takes the vote at no election (DOMAIN.md,
	// "Eligibility": partial guardianship keeps the vote since 2019), so
	// Check never refuses on it; FullGuardianship wins when both are set.
	PartialGuardianship bool
	ResidentSince       Date // start of the current continuous residence in Denmark (zero if unknown)
}

// Ineligibility is one reason a person may not take a task. Code is stable
// for programs; Reason is the catalog key and its values, translated where
// it is shown.
type Ineligibility struct {
	Code   string
	Reason *UserError
}

// The codes CheckEligibility returns.
const (
	IneligibleDead            = "dead"             // CPR status 90
	IneligibleNotActive       = "not_active"       // the CPR number is not in use (30, 50, 60) or its status is unknown
	IneligibleNotResident     = "not_resident"     // no fixed address (20), disappeared (70), emigrated (80), or lives in another municipality
	IneligibleUnderage        = "underage"         // younger than the rule set's minimum age on the election day
	IneligibleCitizenship     = "citizenship"      // neither citizenship nor (where the rules allow it) residence gives the vote
	IneligibleGuardianship    = "guardianship"     // full guardianship: no vote where the rules exclude it (FV/FA)
	IneligibleNoCPR           = "no_cpr"           // no CPR number, so no age
	IneligibleUnknownElection = "unknown_election" // the election kind has no rules here
)

// CPR status codes.
const (
	cprStatusNoFixedAddress = "20"
	cprStatusCancelled      = "30"
	cprStatusDeleted        = "50"
	cprStatusChanged        = "60"
	cprStatusDisappeared    = "70"
	cprStatusEmigrated      = "80"
	cprStatusDead           = "90"
)

// CheckEligibility checks a person against the law's rules for the election
// kind (DefaultRules); an unknown kind fails closed with unknown_election.
// Code that has the municipality's stored rule sets uses
// EligibilityRules.Check instead.
func CheckEligibility(kind ElectionKind, electionDay Date, municipalityCode string, p PersonFacts, validation bool) []Ineligibility {
	r, _ := DefaultRules(kind)
	return r.Check(electionDay, municipalityCode, p, validation)
}

// Check tells whether the person may take a task at an election with these
// rules in the municipality: an empty result means eligible, otherwise every
// reason that applies is returned (not just the first), in a fixed order.
//
// The law's rule sets are in DefaultRules (DOMAIN.md, "Eligibility").
//
// Resident means an active CPR status (01, 03, 05, 07) and, when
// MustLiveInMunicipality, the municipality code of the current address equal
// to municipalityCode. The status gives at most one reason: dead, not_active
// or not_resident; without MustLiveInMunicipality a person with no fixed
// address, disappeared or emigrated is still not resident in Denmark.
//
// With validation false (task types with validation off) only "alive" is
// checked. Unknown facts fail closed: an unknown status is not_active, an
// unknown citizenship is no citizenship, an unknown ResidentSince is no
// residence. A rule set with an unknown citizenship rule (the zero value:
// an unknown election kind) gives unknown_election.
func (r EligibilityRules) Check(electionDay Date, municipalityCode string, p PersonFacts, validation bool) []Ineligibility {
	status := strings.TrimSpace(p.Status)
	var out []Ineligibility
	add := func(code, key string, args ...any) {
		out = append(out, Ineligibility{Code: code, Reason: Refuse(key, args...)})
	}

	if status == cprStatusDead {
		add(IneligibleDead, "error.eligibility.dead")
	}
	if !validation {
		return out
	}
	if !r.Citizenship.Valid() {
		add(IneligibleUnknownElection, "error.eligibility.unknownelection")
		return out
	}

	switch status {
	case "01", "03", "05", "07":
		if r.MustLiveInMunicipality && !sameMunicipality(p.MunicipalityCode, municipalityCode) {
			add(IneligibleNotResident, "error.eligibility.notinmunicipality")
		}
	case cprStatusDead:
		// reported above
	case cprStatusNoFixedAddress:
		add(IneligibleNotResident, "error.eligibility.nofixedaddress")
	case cprStatusDisappeared:
		add(IneligibleNotResident, "error.eligibility.disappeared")
	case cprStatusEmigrated:
		add(IneligibleNotResident, "error.eligibility.emigrated")
	case cprStatusCancelled, cprStatusDeleted, cprStatusChanged:
		add(IneligibleNotActive, "error.eligibility.notinuse")
	default:
		add(IneligibleNotActive, "error.eligibility.unknownstatus")
	}

	if p.CPR.IsZero() {
		add(IneligibleNoCPR, "error.eligibility.nocpr")
	} else if p.CPR.AgeOn(electionDay) < r.MinAge {
		add(IneligibleUnderage, "error.eligibility.underage", r.MinAge)
	}

	country := countryOf(p.Citizenship)
	if !r.Citizenship.accepts(country) &&
		!(r.ResidenceYears > 0 && residentFor(p.ResidentSince, electionDay, r.ResidenceYears)) {
		key, args := r.citizenshipReason()
		add(IneligibleCitizenship, key, args...)
	}

	// DOMAIN.md, "Eligibility": full guardianship with loss of legal
	// capacity takes the vote at a Folketingsvalg and a national
	// folkeafstemning (GuardianshipExcludes in their rule sets); partial
	// guardianship (VærgemålType DELVIS) keeps it since 2019; at
	// Kommunal- og regionsrådsvalg and Europa-Parlamentsvalg guardianship
	// is irrelevant (the rule sets do not exclude).
	if p.FullGuardianship && r.GuardianshipExcludes {
		add(IneligibleGuardianship, "error.eligibility.guardianship")
	}
	return out
}

// citizenshipReason names which citizenships (and residence) would have
// given the vote: a key and, with residence, its years.
func (r EligibilityRules) citizenshipReason() (string, []any) {
	keys := [2]string{"error.eligibility.citizenship.nordic", "error.eligibility.citizenship.nordic.residence"}
	switch r.Citizenship {
	case CitizenshipDanish:
		keys = [2]string{"error.eligibility.citizenship.danish", "error.eligibility.citizenship.danish.residence"}
	case CitizenshipDanishEU:
		keys = [2]string{"error.eligibility.citizenship.eu", "error.eligibility.citizenship.eu.residence"}
	}
	if r.ResidenceYears > 0 {
		return keys[1], []any{r.ResidenceYears}
	}
	return keys[0], nil
}

// sameMunicipality compares two municipality codes, allowing for a register
// that drops the leading zero ("607" for "0607"). Empty never matches.
func sameMunicipality(a, b string) bool {
	a, b = normaliseMunicipality(a), normaliseMunicipality(b)
	return a != "" && a == b
}

func normaliseMunicipality(s string) string {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r < '0' || r > '9' {
			return s
		}
	}
	if s != "" && len(s) < 4 {
		s = strings.Repeat("0", 4-len(s)) + s
	}
	return s
}

// residentFor reports whether a continuous residence that began on since has
// lasted at least years whole years on day: since ≤ day − years. A residence
// that began exactly 4 years before the election day counts; one that began
// a day later does not. The zero (unknown) date never counts.
func residentFor(since, day Date, years int) bool {
	if since.IsZero() {
		return false
	}
	limit := day.In(time.UTC).AddDate(-years, 0, 0)
	return !since.In(time.UTC).After(limit)
}

type countryGroup int

const (
	countryNone    countryGroup = iota // any other country, stateless, unknown
	countryDenmark                     // 5100
	countryEU                          // another EU member state
	countryIcelandNorway
)

// cprCountries maps the CPR register's own numeric country codes (CPR's
// "myndighedskoder" for countries, also used for citizenship) to the groups
// the election laws care about. Codes not in the table (nor configured, see
// countryOf) are countryNone.
//
// The codes of the 8 member states missing from the first table (Estland,
// Letland, Litauen, Tjekkiet, Slovakiet, Slovenien, Kroatien, Cypern) come
// from ../shared/DOMAIN.md, where two independent sources agree on each: the
// CPR authority-register extract shipped with Magenta's CPR Broker
// (PART/Source/CprBroker/CPRDirect/Lookup/Init/Authority_4357.txt,
// 2012-07-02, each row with its ISO codes) and Danmarks Statistik's STATSB
// code list. The others come from secondary sources that both say they
// follow CPR's classification:
//   - LIFA, LOIS statistik PRO manual, "Kategorisering" of citizenship
//     ("StatMynKode"; "samme metode som benyttes af Danmarks Statistik"),
//     https://dok.lifa.dk/manual/LOISstatistikPRO2/html/kategorisering.htm;
//   - Danmarks Statistik, variable LAND ("Statsborgerskabkode (jvf.
//     klassificeringen i CPR)"),
//     https://www.dst.dk/da/TilSalg/Forskningsservice/Dokumentation/hoejkvalitetsvariable/udlaendinge/land
//     — confirms 5130 Frankrig, 5140 Nederlandene, 5170 Storbritannien and
//     5180 Tyskland.
//
// CPR's own list, "Lande og landekoder" on cpr.dk, is the one to check them
// against; should it ever differ, CPR_EU_COUNTRY_CODES (eucountries.go) adds
// a code without a code change.
//
// Deliberately absent: 5170 Storbritannien (left the EU on 31 January 2020),
// 5107 Liechtenstein and 5160 Schweiz (EEA/EFTA, but the laws name only
// Iceland and Norway), 5101 Grønland (not a citizenship: Greenlanders are
// Danish citizens, 5100), 5115 "Kongelig", and the codes of states that no
// longer exist (Tjekkoslovakiet, Jugoslavien, Sovjetunionen, Østtyskland).
// CPR_EU_COUNTRY_CODES refuses the first five, and every non-EU code below
// (cprNotOtherEU).
var cprCountries = map[string]countryGroup{
	"5100": countryDenmark, // Danmark

	"5104": countryEU, // Finland
	"5108": countryEU, // Luxembourg
	"5120": countryEU, // Sverige
	"5126": countryEU, // Belgien
	"5128": countryEU, // Bulgarien
	"5130": countryEU, // Frankrig
	"5134": countryEU, // Grækenland
	"5140": countryEU, // Nederlandene
	"5142": countryEU, // Irland
	"5150": countryEU, // Italien
	"5153": countryEU, // Malta
	"5154": countryEU, // Polen
	"5156": countryEU, // Portugal
	"5158": countryEU, // Rumænien
	"5164": countryEU, // Spanien
	"5174": countryEU, // Ungarn
	"5180": countryEU, // Tyskland
	// The eight of ../shared/DOMAIN.md (CPR Broker's authority register and
	// Danmarks Statistik's STATSB agree on each).
	"5422": countryEU, // Cypern
	"5607": countryEU, // Estland
	"5609": countryEU, // Letland
	"5611": countryEU, // Litauen
	"5750": countryEU, // Kroatien
	"5752": countryEU, // Slovenien
	"5776": countryEU, // Tjekkiet
	"5778": countryEU, // Slovakiet
	"5182": countryEU, // Østrig

	"5105": countryIcelandNorway, // Island, "ligeret dansk" (the 1918 union's equal rights; Icelandic citizens)
	"5106": countryIcelandNorway, // Island
	"5110": countryIcelandNorway, // Norge
}
