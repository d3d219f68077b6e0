package models

// Citizenship says which citizenships give the vote at an election type.
type Citizenship string

const (
	CitizenshipDanish         Citizenship = "dk"           // Danish only (FV, FA)
	CitizenshipDanishEUNordic Citizenship = "dk_eu_nordic" // Danish, other EU, Icelandic or Norwegian (KV)
	CitizenshipDanishEU       Citizenship = "dk_eu"        // Danish or other EU (EP)
)

// Citizenships lists the rules in the order a form offers them.
var Citizenships = []Citizenship{CitizenshipDanish, CitizenshipDanishEUNordic, CitizenshipDanishEU}

// Valid reports whether c is one of the three rules.
func (c Citizenship) Valid() bool {
	switch c {
	case CitizenshipDanish, CitizenshipDanishEUNordic, CitizenshipDanishEU:
		return true
	}
	return false
}

func (c Citizenship) accepts(g countryGroup) bool {
	switch c {
	case CitizenshipDanish:
		return g == countryDenmark
	case CitizenshipDanishEU:
		return g == countryDenmark || g == countryEU
	case CitizenshipDanishEUNordic:
		return g == countryDenmark || g == countryEU || g == countryIcelandNorway
	}
	return false
}

// EligibilityRules is the rule set of an election type: who may be a voter
// and so take a task. Being alive is always required and not a setting.
// The zero value has no valid citizenship rule and refuses everyone
// (unknown_election).
type EligibilityRules struct {
	MinAge      int         // age reached on the election day
	Citizenship Citizenship // the citizenships that give the vote
	// ResidenceYears of continuous residence in Denmark before the election
	// day give a non-citizen the vote; 0: residence does not qualify.
	ResidenceYears         int
	GuardianshipExcludes   bool // full guardianship with loss of legal capacity takes the vote
	MustLiveInMunicipality bool // the address must be in the municipality
}

// ElectionType is an election kind with its stored, editable rule set
// (table election_types, one row per kind, seeded with the law's rules).
type ElectionType struct {
	Kind             ElectionKind `gorm:"primaryKey"`
	Name             string
	EligibilityRules `gorm:"embedded"`
	Version          int
}

// AuditElectionTypeChanged: an administrator changed or reset a rule set.
const AuditElectionTypeChanged AuditAction = "election_type.changed"

// ElectionKinds lists the kinds in the order pages show them.
var ElectionKinds = []ElectionKind{Folketingsvalg, Folkeafstemning, Kommunalvalg, EuropaParlamentsvalg}

// The law's rule sets (DOMAIN.md, "Eligibility"). FV and FA share one.
var (
	nationalRules = EligibilityRules{MinAge: 18, Citizenship: CitizenshipDanish,
		GuardianshipExcludes: true, MustLiveInMunicipality: true}
	municipalRules = EligibilityRules{MinAge: 18, Citizenship: CitizenshipDanishEUNordic,
		ResidenceYears: 4, MustLiveInMunicipality: true}
	europeanRules = EligibilityRules{MinAge: 18, Citizenship: CitizenshipDanishEU,
		MustLiveInMunicipality: true}
)

// DefaultRules returns the law's rule set for an election kind:
//
//	FV, FA: ≥ 18 on the election day; Danish citizen (5100); resident in the
//	        municipality; not under full guardianship.
//	KV:     ≥ 18; resident; Danish, other EU, Icelandic or Norwegian
//	        citizen, or 4 years' continuous residence in Denmark before the
//	        election day; guardianship irrelevant.
//	EP:     ≥ 18; resident; Danish or other EU citizen; guardianship
//	        irrelevant.
//
// An unknown kind gives the zero rule set and false.
func DefaultRules(kind ElectionKind) (EligibilityRules, bool) {
	switch kind {
	case Folketingsvalg, Folkeafstemning:
		return nationalRules, true
	case Kommunalvalg:
		return municipalRules, true
	case EuropaParlamentsvalg:
		return europeanRules, true
	}
	return EligibilityRules{}, false
}

// DefaultElectionType is the row migration 14 seeds for a kind: its Danish
// name and the law's rules, version 1.
func DefaultElectionType(kind ElectionKind) (ElectionType, bool) {
	r, ok := DefaultRules(kind)
	if !ok {
		return ElectionType{}, false
	}
	names := map[ElectionKind]string{
		Folketingsvalg:       "Folketingsvalg",
		Folkeafstemning:      "Folkeafstemning",
		Kommunalvalg:         "Kommunal- og regionsrådsvalg",
		EuropaParlamentsvalg: "Europa-Parlamentsvalg",
	}
	return ElectionType{Kind: kind, Name: names[kind], EligibilityRules: r, Version: 1}, true
}
