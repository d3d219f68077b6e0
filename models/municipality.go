package models

import "fmt"

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
