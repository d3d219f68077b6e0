package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// council is the worked example council from DOMAIN.md.
var council = []Contender{
	{"A", 11}, {"V", 8}, {"F", 4}, {"Ø", 3}, {"C", 3}, {"O", 2},
}

func shares(names string, seats ...int) []Share {
	out := make([]Share, len(seats))
	for i, s := range seats {
		out[i] = Share{Name: string([]rune(names)[i]), Seats: s}
	}
	return out
}

func TestDHondtWorkedExamples(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		contenders []Contender
		want       []Share
	}{
		{"council, 40 tilforordnede", 40, council, shares("AVFØCO", 15, 10, 5, 4, 4, 2)},
		{"council, 9 valgstyrere", 9, council, shares("AVFØCO", 4, 2, 1, 1, 1, 0)},
		{"votes 25/31/11/16, 8 seats", 8,
			[]Contender{{"P", 25}, {"Q", 31}, {"R", 11}, {"S", 16}},
			shares("PQRS", 3, 3, 1, 1)},
		{"0 slots", 0, council, shares("AVFØCO", 0, 0, 0, 0, 0, 0)},
		{"0 slots, all seats zero", 0, []Contender{{"A", 0}, {"B", 0}}, shares("AB", 0, 0)},
		{"zero-seat group never gets a slot", 5, []Contender{{"A", 0}, {"B", 1}}, shares("AB", 0, 5)},
		{"tie that does not matter", 2, []Contender{{"A", 2}, {"B", 2}}, shares("AB", 1, 1)},
		{"three-way tie that does not matter", 3, []Contender{{"A", 3}, {"B", 3}, {"C", 3}, {"D", 1}}, shares("ABCD", 1, 1, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
				got, err := DHondt(tt.n, tt.contenders, seed)
				if err != nil {
					t.Fatalf("DHondt: %v", err)
				}
				if !reflect.DeepEqual(got.Allocation, tt.want) {
					t.Errorf("seed %d: allocation = %v, want %v", seed, got.Allocation, tt.want)
				}
				if got.Lots == nil || len(got.Lots) != 0 {
					t.Errorf("seed %d: lots = %#v, want empty non-nil", seed, got.Lots)
				}
			}
		})
	}
}

func TestDHondtTieByLot(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		contenders []Contender
		among      []string
		winners    int
		fixed      map[string]int // seats not affected by the lot
	}{
		{"A 2, B 2, 1 slot", 1, []Contender{{"A", 2}, {"B", 2}}, []string{"A", "B"}, 1, nil},
		{"three-way tie for two slots", 5, []Contender{{"A", 3}, {"B", 3}, {"C", 3}, {"D", 1}},
			[]string{"A", "B", "C"}, 2, map[string]int{"D": 0}},
		{"tie at a later divisor", 4, []Contender{{"X", 6}, {"Y", 3}, {"Z", 2}},
			// quotients 6, 3, 3, 2, 2, 2, 1.5, …: slot 4 is a lot among 2s.
			[]string{"X", "Z"}, 1, map[string]int{"Y": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			winnersSeen := map[string]bool{}
			for seed := uint64(0); seed < 200; seed++ {
				got, err := DHondt(tt.n, tt.contenders, seed)
				if err != nil {
					t.Fatalf("DHondt: %v", err)
				}
				if len(got.Lots) != 1 {
					t.Fatalf("seed %d: lots = %v, want exactly one", seed, got.Lots)
				}
				lot := got.Lots[0]
				if !slices.Equal(lot.Among, tt.among) {
					t.Fatalf("seed %d: among = %v, want %v", seed, lot.Among, tt.among)
				}
				if len(lot.Winners) != tt.winners || !slices.IsSorted(lot.Winners) {
					t.Fatalf("seed %d: winners = %v, want %d sorted", seed, lot.Winners, tt.winners)
				}
				winnersSeen[fmt.Sprint(lot.Winners)] = true
				total := 0
				for _, s := range got.Allocation {
					total += s.Seats
					if want, ok := tt.fixed[s.Name]; ok && s.Seats != want {
						t.Errorf("seed %d: %s got %d, want %d", seed, s.Name, s.Seats, want)
					}
				}
				if total != tt.n {
					t.Errorf("seed %d: total %d, want %d", seed, total, tt.n)
				}

				// Reproducible: same seed again, and in every input order.
				again, _ := DHondt(tt.n, tt.contenders, seed)
				if !reflect.DeepEqual(again, got) {
					t.Fatalf("seed %d: not reproducible: %v vs %v", seed, again, got)
				}
				rev := slices.Clone(tt.contenders)
				slices.Reverse(rev)
				r, _ := DHondt(tt.n, rev, seed)
				if !reflect.DeepEqual(r.Lots, got.Lots) {
					t.Fatalf("seed %d: input order changed the lot: %v vs %v", seed, r.Lots, got.Lots)
				}
				for i, s := range r.Allocation {
					if s != got.Allocation[len(rev)-1-i] {
						t.Fatalf("seed %d: reversed allocation %v vs %v", seed, r.Allocation, got.Allocation)
					}
				}
			}
			// Over many seeds, every possible outcome occurs.
			want := binomial(len(tt.among), tt.winners)
			if len(winnersSeen) != want {
				t.Errorf("outcomes over 200 seeds = %v, want all %d", winnersSeen, want)
			}
		})
	}
}

func binomial(n, k int) int {
	return int(new(big.Int).Binomial(int64(n), int64(k)).Int64())
}

func TestDHondtLotJSON(t *testing.T) {
	got, err := DHondt(1, []Contender{{"A", 2}, {"B", 2}}, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back Allocation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, got) {
		t.Errorf("round trip %s: %v vs %v", b, back, got)
	}
	noLot, _ := DHondt(2, []Contender{{"A", 2}, {"B", 2}}, 7)
	b, _ = json.Marshal(noLot)
	if want := `{"allocation":[{"name":"A","seats":1},{"name":"B","seats":1}],"lots":[]}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestDHondtErrors(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		contenders []Contender
	}{
		{"negative n", -1, council},
		{"no contenders", 3, nil},
		{"no contenders, 0 slots", 0, []Contender{}},
		{"empty name", 3, []Contender{{"A", 1}, {"", 2}}},
		{"duplicate name", 3, []Contender{{"A", 1}, {"B", 2}, {"A", 3}}},
		{"negative seats", 3, []Contender{{"A", 1}, {"B", -2}}},
		{"all seats zero", 1, []Contender{{"A", 0}, {"B", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DHondt(tt.n, tt.contenders, 1)
			if !errors.Is(err, ErrQuota) {
				t.Errorf("err = %v, want ErrQuota", err)
			}
		})
	}
}

func TestDHondtHugeNumbers(t *testing.T) {
	// Seats and slots near the int limit: no overflow, no long loop.
	huge := math.MaxInt
	got, err := DHondt(huge, []Contender{{"A", huge}, {"B", huge}, {"C", huge}, {"D", 1}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for _, s := range got.Allocation {
		if s.Seats < 0 {
			t.Fatalf("negative share %v", got.Allocation)
		}
		total += uint64(s.Seats)
	}
	if total != uint64(huge) {
		t.Errorf("total %d, want %d (%v)", total, huge, got.Allocation)
	}
	// A, B, C are symmetric; D cannot get a slot before they have ~n/3 each.
	if got.Allocation[3].Seats != 0 {
		t.Errorf("D got %d", got.Allocation[3].Seats)
	}
}

func TestDHondtManyContenders(t *testing.T) {
	// Many groups (as in a long fuzz input) must not be quadratic.
	cs := make([]Contender, 100_000)
	for i := range cs {
		cs[i] = Contender{Name: fmt.Sprint("g", i), Seats: 1 + i%7}
	}
	for _, n := range []int{1, 99_999, 123_457, 10_000_000} {
		got, err := DHondt(n, cs, 9)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, s := range got.Allocation {
			total += s.Seats
		}
		if total != n {
			t.Errorf("n=%d: total %d", n, total)
		}
		if n == 1 && (len(got.Lots) != 1 || len(got.Lots[0].Among) != len(cs)/7 || len(got.Lots[0].Winners) != 1) {
			t.Errorf("n=1: lot among all seven-seat groups expected, got %d lots", len(got.Lots))
		}
	}
}

// reference is an independent brute-force d'Hondt with exact rationals: it
// returns, per contender, the number of quotients strictly above and at least
// the n-th largest quotient q, and the names tied at q.
func reference(n int, cs []Contender) (above, atLeast []int, tiedAtQ []string, lotNeeded bool) {
	type quot struct {
		i int
		q *big.Rat
	}
	var all []quot
	for i, c := range cs {
		if c.Seats == 0 {
			continue
		}
		for d := 1; d <= n; d++ {
			all = append(all, quot{i, big.NewRat(int64(c.Seats), int64(d))})
		}
	}
	slices.SortStableFunc(all, func(a, b quot) int { return b.q.Cmp(a.q) })
	above = make([]int, len(cs))
	atLeast = make([]int, len(cs))
	if n == 0 {
		return above, atLeast, nil, false
	}
	q := all[n-1].q
	count := 0
	for _, x := range all {
		switch x.q.Cmp(q) {
		case 1:
			above[x.i]++
			atLeast[x.i]++
			count++
		case 0:
			atLeast[x.i]++
			count++
			tiedAtQ = append(tiedAtQ, cs[x.i].Name)
		}
	}
	slices.Sort(tiedAtQ)
	return above, atLeast, tiedAtQ, count > n
}

func randomCouncil(r *rand.Rand) []Contender {
	m := 1 + r.IntN(6)
	cs := make([]Contender, m)
	nonzero := false
	for i := range cs {
		cs[i] = Contender{Name: string(rune('A' + i)), Seats: r.IntN(13)}
		nonzero = nonzero || cs[i].Seats > 0
	}
	if !nonzero {
		cs[0].Seats = 1 + r.IntN(12)
	}
	r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
	return cs
}

// TestDHondtProperties checks random small councils against the brute-force
// reference, that the total is n, and house monotonicity: with the same seed,
// one more slot never takes a slot away from anyone.
func TestDHondtProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 11))
	for iter := 0; iter < 250; iter++ {
		cs := randomCouncil(r)
		seed := r.Uint64()
		var prev []Share
		for n := 0; n <= 40; n++ {
			got, err := DHondt(n, cs, seed)
			if err != nil {
				t.Fatalf("%v n=%d: %v", cs, n, err)
			}
			total := 0
			above, atLeast, tied, lotNeeded := reference(n, cs)
			for i, s := range got.Allocation {
				if s.Name != cs[i].Name {
					t.Fatalf("%v n=%d: output order %v", cs, n, got.Allocation)
				}
				total += s.Seats
				if s.Seats < above[i] || s.Seats > atLeast[i] {
					t.Fatalf("%v n=%d: %s got %d, want in [%d, %d]", cs, n, s.Name, s.Seats, above[i], atLeast[i])
				}
				if prev != nil && s.Seats < prev[i].Seats {
					t.Fatalf("%v seed %d: %s lost a slot going from %d to %d slots: %v -> %v",
						cs, seed, s.Name, n-1, n, prev, got.Allocation)
				}
			}
			if total != n {
				t.Fatalf("%v n=%d: total %d", cs, n, total)
			}
			if lotNeeded {
				if len(got.Lots) != 1 || !slices.Equal(got.Lots[0].Among, tied) {
					t.Fatalf("%v n=%d: lots %v, want one among %v", cs, n, got.Lots, tied)
				}
				for i, s := range got.Allocation {
					won := slices.Contains(got.Lots[0].Winners, s.Name)
					if want := above[i] + btoi(won); s.Seats != want {
						t.Fatalf("%v n=%d: %s got %d, lot says %d", cs, n, s.Name, s.Seats, want)
					}
				}
			} else if len(got.Lots) != 0 {
				t.Fatalf("%v n=%d: unexpected lots %v", cs, n, got.Lots)
			}
			prev = got.Allocation
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func FuzzDHondt(f *testing.F) {
	f.Add(40, uint64(0), []byte{11, 8, 4, 3, 3, 2})
	f.Add(9, uint64(1), []byte{11, 8, 4, 3, 3, 2})
	f.Add(1, uint64(2), []byte{2, 2})
	f.Add(0, uint64(3), []byte{})
	f.Add(-1, uint64(4), []byte{0})
	f.Add(math.MaxInt, uint64(5), []byte{255, 255, 1})
	f.Fuzz(func(t *testing.T, n int, seed uint64, data []byte) {
		cs := make([]Contender, len(data))
		sum := 0
		for i, b := range data {
			// Spread the byte over a wide range so big seat counts occur too.
			seats := int(b)
			if b >= 200 {
				seats = math.MaxInt - int(b)
			}
			cs[i] = Contender{Name: fmt.Sprintf("g%d", i), Seats: seats}
			sum += int(b)
		}
		got, err := DHondt(n, cs, seed)
		wantErr := n < 0 || len(cs) == 0 || (n > 0 && sum == 0)
		if wantErr {
			if !errors.Is(err, ErrQuota) {
				t.Fatalf("n=%d %v: err = %v, want ErrQuota", n, cs, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("n=%d %v: %v", n, cs, err)
		}
		var total uint64
		for i, s := range got.Allocation {
			if s.Seats < 0 || s.Name != cs[i].Name {
				t.Fatalf("bad share %v", s)
			}
			if cs[i].Seats == 0 && s.Seats != 0 {
				t.Fatalf("zero-seat group got %d", s.Seats)
			}
			total += uint64(s.Seats)
		}
		if total != uint64(n) {
			t.Fatalf("n=%d %v: total %d", n, cs, total)
		}
		if len(got.Lots) > 1 {
			t.Fatalf("more than one lot: %v", got.Lots)
		}
		again, _ := DHondt(n, cs, seed)
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("not reproducible")
		}
	})
}
