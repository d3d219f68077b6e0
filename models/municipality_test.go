package models

import "testing"

func TestParseMunicipalityCode(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"101", "0101", true}, // København, the lowest
		{"607", "0607", true},
		{"0607", "0607", true}, // CPR's form
		{"860", "0860", true},  // Hjørring, the highest
		{"100", "", false},
		{"861", "", false},
		{"0100", "", false},
		{"999", "", false},
		{"60", "", false},
		{"00607", "", false},
		{"6o7", "", false},
		{"-607", "", false},
		{" 607", "", false},
		{"+607", "", false},
		{"", "", false},
	} {
		got, ok := ParseMunicipalityCode(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseMunicipalityCode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestValidCVR(t *testing.T) {
	// Valid ones, worked out with the weights 2,7,6,5,4,3,2,1: for
	// 12345674, 2+14+18+20+20+18+14+4 = 110 = 10·11.
	for _, s := range []string{"12345674", "29189846", "55133018", "11111114", "99999993", "10000009"} {
		if !ValidCVR(s) {
			t.Errorf("ValidCVR(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"12345678", // sum 114: 114 mod 11 = 4
		"29189847", // one digit off
		"21891846", // two digits swapped
		"1234567",  // 7 digits
		"123456740",
		"1234567a",
		"1234 5674",
		"00000000", // sum 0, but no CVR number starts with 0
		"",
	} {
		if ValidCVR(s) {
			t.Errorf("ValidCVR(%q) = true, want false", s)
		}
	}
}
