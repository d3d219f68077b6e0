package models

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// EUCountryCodesSetting is the environment variable that adds CPR codes of
// other EU member states to cprCountries: a correction, should CPR's list
// ever differ from the built-in table.
const EUCountryCodesSetting = "CPR_EU_COUNTRY_CODES"

// cprNotOtherEU names the codes the built-in table knows to be something
// other than another EU member state: the setting may not make them EU.
// Every code of cprCountries that is not countryEU is here (a test checks),
// with the codes cprCountries leaves out on purpose.
var cprNotOtherEU = map[string]string{
	"5100": "Danmark",
	"5105": "Island (ligeret dansk)",
	"5106": "Island",
	"5110": "Norge",
	"5101": "Grønland (dansk statsborgerskab)",
	"5107": "Liechtenstein",
	"5115": "Kongelig",
	"5160": "Schweiz",
	"5170": "Storbritannien",
}

// ExtraEUCountryCodes is a checked set of CPR country codes that count as
// other-EU citizenships besides the built-in table. The zero value is empty.
type ExtraEUCountryCodes struct {
	codes map[string]bool
}

// ParseExtraEUCountryCodes reads the setting: a comma-separated list of
// 4-digit CPR country codes (spaces around them allowed). A code the table
// already has as EU, or one given twice, is harmless; a code the table knows
// as Danish, Icelandic, Norwegian or outside the EU is refused, as is
// anything but 4 digits. Empty means none.
func ParseExtraEUCountryCodes(list string) (ExtraEUCountryCodes, error) {
	e := ExtraEUCountryCodes{codes: map[string]bool{}}
	if strings.TrimSpace(list) == "" {
		return e, nil
	}
	for entry := range strings.SplitSeq(list, ",") {
		code := strings.TrimSpace(entry)
		if !isFourDigits(code) {
			return ExtraEUCountryCodes{}, fmt.Errorf("%q is not a CPR country code: each must be exactly 4 digits (e.g. 5120), separated by commas", code)
		}
		if name, ok := cprNotOtherEU[code]; ok {
			return ExtraEUCountryCodes{}, fmt.Errorf("%s is %s in the built-in table, not another EU member state: remove it", code, name)
		}
		if cprCountries[code] != countryEU {
			e.codes[code] = true
		}
	}
	return e, nil
}

func isFourDigits(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Codes lists the codes that add to the built-in table, in order.
func (e ExtraEUCountryCodes) Codes() []string {
	return slices.Sorted(maps.Keys(e.codes))
}

// extraEU holds the codes in use, set once at start-up by
// SetExtraEUCountryCodes; atomic, so a later set (tests) is race-free too.
var extraEU atomic.Pointer[map[string]bool]

// SetExtraEUCountryCodes makes eligibility count these codes as other-EU
// citizenships, replacing any set before. Commands call it once at start-up,
// before they evaluate eligibility.
func SetExtraEUCountryCodes(e ExtraEUCountryCodes) {
	codes := maps.Clone(e.codes)
	extraEU.Store(&codes)
}

// countryOf is the group of a CPR country code: the built-in table, then
// the configured extra EU codes; anything else is countryNone.
func countryOf(code string) countryGroup {
	code = strings.TrimSpace(code)
	if g, ok := cprCountries[code]; ok {
		return g
	}
	if extra := extraEU.Load(); extra != nil && (*extra)[code] {
		return countryEU
	}
	return countryNone
}
