package models

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func quotaCouncil(groups map[string]string) []QuotaParty {
	var out []QuotaParty
	for i, c := range council {
		out = append(out, QuotaParty{ID: int64(i + 1), Name: c.Name, Seats: c.Seats, Group: groups[c.Name]})
	}
	return out
}

func byLetter(m map[int64]int) map[string]int {
	out := map[string]int{}
	for i, c := range council {
		out[c.Name] = m[int64(i+1)]
	}
	return out
}

func TestPartyQuotaWithoutValggrupperIsDHondt(t *testing.T) {
	for _, n := range []int{0, 7, 9, 40} {
		got, lots, err := PartyQuota(n, quotaCouncil(nil), 42)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := DHondt(n, council, 42)
		for _, s := range want.Allocation {
			if byLetter(got)[s.Name] != s.Seats {
				t.Errorf("%d slots: %s got %d, DHondt says %d", n, s.Name, byLetter(got)[s.Name], s.Seats)
			}
		}
		if !reflect.DeepEqual(lots, want.Lots) {
			t.Errorf("%d slots: lots %v, want %v", n, lots, want.Lots)
		}
	}
}

// A valggruppe is one contender with its members' seats summed; its share
// is split among the members by d'Hondt on their own seats.
func TestPartyQuotaValggruppe(t *testing.T) {
	// Ø 3, C 3 and O 2 combine as "Blå" (8 seats). At 7 slots the quotients
	// 11, 8, 8, 5.5, 4, 4, 4 give A 2, V 2, Blå 2 and F 1, and Blå's two are
	// split Ø 1, C 1. Alone, A takes a third slot and Ø and C draw lots for
	// the last one.
	blue := map[string]string{"Ø": "Blå", "C": "Blå", "O": "Blå"}
	got, _, err := PartyQuota(7, quotaCouncil(blue), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"A": 2, "V": 2, "F": 1, "Ø": 1, "C": 1, "O": 0}; !reflect.DeepEqual(byLetter(got), want) {
		t.Errorf("with Blå: %v, want %v", byLetter(got), want)
	}
	alone, lots, _ := PartyQuota(7, quotaCouncil(nil), 1)
	if alone[4]+alone[5] != 1 || len(lots) != 1 || !reflect.DeepEqual(lots[0].Among, []string{"C", "Ø"}) {
		t.Errorf("alone: %v, lots %v", byLetter(alone), lots)
	}

	// The group's total is what DHondt gives the group as one contender.
	red := map[string]string{"F": "Rød", "Ø": "Rød"}
	for n := 0; n <= 40; n++ {
		got, _, err := PartyQuota(n, quotaCouncil(red), 9)
		if err != nil {
			t.Fatal(err)
		}
		outer, _ := DHondt(n, []Contender{{"A", 11}, {"V", 8}, {"Rød", 7}, {"C", 3}, {"O", 2}}, 9)
		groupShare := outer.Allocation[2].Seats
		l := byLetter(got)
		if l["F"]+l["Ø"] != groupShare || l["A"] != outer.Allocation[0].Seats || l["O"] != outer.Allocation[4].Seats {
			t.Errorf("%d slots: %v, outer %v", n, l, outer.Allocation)
		}
		inner, _ := DHondt(groupShare, []Contender{{"F", 4}, {"Ø", 3}}, 9)
		if l["F"] != inner.Allocation[0].Seats || l["Ø"] != inner.Allocation[1].Seats {
			t.Errorf("%d slots: split inside Rød %v, want %v", n, l, inner.Allocation)
		}
		total := 0
		for _, v := range got {
			total += v
		}
		if total != n {
			t.Errorf("%d slots handed out %d", n, total)
		}
	}
}

// A tie inside a valggruppe is settled by the same seeded lot, recorded.
func TestPartyQuotaLotInsideValggruppe(t *testing.T) {
	parties := []QuotaParty{{1, "A", 11, ""}, {2, "V", 8, ""}, {3, "Ø", 3, "ØC"}, {4, "C", 3, "ØC"}}
	winners := map[int64]int{}
	for seed := uint64(0); seed < 40; seed++ {
		got, lots, err := PartyQuota(3, parties, seed)
		if err != nil {
			t.Fatal(err)
		}
		if got[1] != 1 || got[2] != 1 || got[3]+got[4] != 1 {
			t.Fatalf("seed %d: %v", seed, got)
		}
		if len(lots) != 1 || !reflect.DeepEqual(lots[0].Among, []string{"C", "Ø"}) || len(lots[0].Winners) != 1 {
			t.Fatalf("seed %d: lots %v", seed, lots)
		}
		reversed := slices.Clone(parties)
		slices.Reverse(reversed)
		again, lots2, _ := PartyQuota(3, reversed, seed)
		if !reflect.DeepEqual(got, again) || !reflect.DeepEqual(lots, lots2) {
			t.Errorf("seed %d: not reproducible in another order: %v vs %v", seed, got, again)
		}
		if got[3] == 1 {
			winners[3]++
		} else {
			winners[4]++
		}
	}
	if winners[3] == 0 || winners[4] == 0 {
		t.Errorf("the lot always falls the same way: %v", winners)
	}
}

func TestPartyQuotaErrors(t *testing.T) {
	if _, _, err := PartyQuota(3, []QuotaParty{{1, "A", 0, ""}}, 1); !errors.Is(err, ErrQuota) {
		t.Errorf("no seats: %v", err)
	}
	if _, _, err := PartyQuota(3, []QuotaParty{{1, "A", 1, ""}, {2, "B", 1, "A"}}, 1); !errors.Is(err, ErrQuota) {
		t.Errorf("a valggruppe named as a party: %v", err)
	}
}

func TestCellSeedDiffersPerCell(t *testing.T) {
	day := NewDate(2027, 1, 19)
	seen := map[uint64]bool{}
	for st := int64(0); st < 10; st++ {
		for tt := int64(1); tt < 4; tt++ {
			for d := 0; d < 3; d++ {
				s := CellSeed(77, st, tt, day.AddDays(d))
				if seen[s] {
					t.Fatalf("seed repeated at %d/%d/%d", st, tt, d)
				}
				seen[s] = true
			}
		}
	}
	if CellSeed(77, 1, 2, day) != CellSeed(77, 1, 2, day) || CellSeed(77, 1, 2, day) == CellSeed(78, 1, 2, day) {
		t.Error("the cell seed is not a function of the election's seed and the cell")
	}
}

func TestSpreadOverStations(t *testing.T) {
	// 40 tilforordnede municipality-wide (A 15, V 10, F 5, Ø 4, C 4, O 2)
	// over 7 stations of 6, 6, 6, 6, 6, 5, 5.
	totals := []int{15, 10, 5, 4, 4, 2}
	counts := []int{6, 6, 6, 6, 6, 5, 5}
	got, err := SpreadOverStations(totals, counts)
	if err != nil {
		t.Fatal(err)
	}
	checkSpread(t, totals, counts, got)
	// Proportional: A (15 of 40) gets 2 or 3 of every 6.
	for s, row := range got {
		if row[0] < 2 || row[0] > 3 {
			t.Errorf("station %d: A %d of %d", s, row[0], counts[s])
		}
	}
	if got, _ := SpreadOverStations([]int{3, 3}, []int{2, 2, 2}); !reflect.DeepEqual(got, [][]int{{1, 1}, {1, 1}, {1, 1}}) {
		t.Errorf("even spread: %v", got)
	}
	if _, err := SpreadOverStations([]int{3}, []int{2}); !errors.Is(err, ErrQuota) {
		t.Errorf("sums differ: %v", err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		counts := make([]int, 1+r.IntN(12))
		n := 0
		for s := range counts {
			counts[s] = r.IntN(10)
			n += counts[s]
		}
		cs := randomCouncil(r)
		a, err := DHondt(n, cs, r.Uint64())
		if err != nil {
			continue // all seats zero
		}
		totals := make([]int, len(cs))
		for p, s := range a.Allocation {
			totals[p] = s.Seats
		}
		got, err := SpreadOverStations(totals, counts)
		if err != nil {
			t.Fatal(err)
		}
		checkSpread(t, totals, counts, got)
	}
}

func checkSpread(t *testing.T, totals, counts []int, got [][]int) {
	t.Helper()
	cols := make([]int, len(totals))
	for s, row := range got {
		sum := 0
		for p, v := range row {
			if v < 0 {
				t.Fatalf("negative: %v", got)
			}
			sum += v
			cols[p] += v
		}
		if sum != counts[s] {
			t.Fatalf("station %d has %d, want %d: %v", s, sum, counts[s], got)
		}
	}
	if !reflect.DeepEqual(cols, totals) {
		t.Fatalf("party totals %v, want %v", cols, totals)
	}
}

func TestFormatReminderDays(t *testing.T) {
	if got := FormatReminderDays([]int{3, 14, 7}); got != "14,7,3" {
		t.Errorf("got %q", got)
	}
}
