package models

import (
	"strings"
	"testing"
	"time"
)

func TestDateRoundTripsThroughScanAndValue(t *testing.T) {
	d := NewDate(2025, time.November, 18)
	v, err := d.Value()
	if err != nil || v != "2025-11-18" {
		t.Fatalf("Value = %v, %v", v, err)
	}
	for _, src := range []any{"2025-11-18", []byte("2025-11-18"), "2025-11-18 00:00:00+00:00",
		time.Date(2025, 11, 18, 0, 0, 0, 0, time.UTC)} {
		var got Date
		if err := got.Scan(src); err != nil || got != d {
			t.Errorf("Scan(%#v) = %v, %v", src, got, err)
		}
	}
	var bad Date
	if err := bad.Scan("2025-02-30"); err == nil {
		t.Error("Scan accepted 30 February")
	}
	if err := bad.Scan(42); err == nil {
		t.Error("Scan accepted an int")
	}
}

func TestDaysUntilIsCivilAndNeverNegative(t *testing.T) {
	kv := NewDate(2025, time.November, 18)
	// 23:30 UTC on 16 November is already 17 November in Copenhagen.
	now := time.Date(2025, 11, 16, 23, 30, 0, 0, time.UTC)
	if got := kv.DaysUntil(now); got != 1 {
		t.Errorf("DaysUntil = %d, want 1", got)
	}
	if got := kv.DaysUntil(now.AddDate(0, 1, 0)); got != 0 {
		t.Errorf("DaysUntil after the day = %d, want 0", got)
	}
	// Across the switch to summer time a day is 23 hours long.
	ep := NewDate(2024, time.June, 9)
	if got := ep.DaysSince(NewDate(2024, time.March, 30)); got != 71 {
		t.Errorf("DaysSince = %d, want 71", got)
	}
}

func TestParseDateRejectsImpossibleDates(t *testing.T) {
	for _, s := range []string{"2025-13-01", "18-11-2025", "", "2025-11-31"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func TestPasswordHashVerifies(t *testing.T) {
	h, err := HashPassword("korrekt hest batteri")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q is not argon2id with the expected parameters", h)
	}
	if ok, err := VerifyPassword(h, "korrekt hest batteri"); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "korrekt hest batterI"); ok {
		t.Error("wrong password accepted")
	}
	h2, _ := HashPassword("korrekt hest batteri")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := HashPassword("kort"); err == nil {
		t.Error("a 4-character password was accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=65536,t=3,p=2$!!$AA"} {
		if _, err := VerifyPassword(bad, "x"); err == nil {
			t.Errorf("VerifyPassword(%q) gave no error", bad)
		}
	}
}

func TestSortDanish(t *testing.T) {
	names := []string{"Åse", "Ørsted", "Zacho", "Ærø", "Andersen", "Aagaard", "Bødker", "Berg"}
	SortDanish(names, func(s string) string { return s })
	want := []string{"Andersen", "Berg", "Bødker", "Zacho", "Ærø", "Ørsted", "Aagaard", "Åse"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", names, want)
	}
}
