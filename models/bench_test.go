package models

import "testing"

// BenchmarkVerifyPassword is the cost of one login's argon2id check (64 MiB,
// 3 passes, 2 lanes): it bounds how many logins a web replica can take.
func BenchmarkVerifyPassword(b *testing.B) {
	hash, err := HashPassword("korrekt hest batteri hæfteklamme")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _ := VerifyPassword(hash, "korrekt hest batteri hæfteklamme"); !ok {
			b.Fatal("did not verify")
		}
	}
}

// BenchmarkParseCPR is the cost of parsing one typed CPR number.
func BenchmarkParseCPR(b *testing.B) {
	for b.Loop() {
		if _, err := ParseCPR("010170-4001"); err != nil {
			b.Fatal(err)
		}
	}
}
