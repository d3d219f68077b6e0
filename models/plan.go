package models

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Slot planning: the pure computations behind the plan page. The store reads
// and writes the slots; what a cell should hold is decided here.

// AuditPlanQuota records a d'Hondt distribution of slots: the seed, the
// contenders and the lots drawn, so the plan can be computed again.
const AuditPlanQuota AuditAction = "plan.quota"

// AuditPlanChanged records any other change of a slot plan.
const AuditPlanChanged AuditAction = "plan.changed"

// QuotaParty is a council group as the quota sees it. Group names the
// valggruppe it belongs to ("" for none).
type QuotaParty struct {
	ID    int64
	Name  string
	Seats int
	Group string
}

// PartyQuota distributes n slots over council groups by d'Hondt. Groups that
// combine in a valggruppe take part as one contender with the sum of their
// seats; the valggruppe's share is then split among its members by d'Hondt
// on their own seats, with the same seed. The result maps party ID to its
// slots; the lots of both steps are returned in the order drawn.
func PartyQuota(n int, parties []QuotaParty, seed uint64) (map[int64]int, []Lot, error) {
	var contenders []Contender
	members := map[string][]QuotaParty{}
	index := map[string]int{}
	for _, p := range parties {
		if p.Group == "" {
			contenders = append(contenders, Contender{Name: p.Name, Seats: p.Seats})
			continue
		}
		if i, ok := index[p.Group]; ok {
			contenders[i].Seats += p.Seats
		} else {
			index[p.Group] = len(contenders)
			contenders = append(contenders, Contender{Name: p.Group, Seats: p.Seats})
		}
		members[p.Group] = append(members[p.Group], p)
	}
	outer, err := DHondt(n, contenders, seed)
	if err != nil {
		return nil, nil, err
	}
	result := make(map[int64]int, len(parties))
	lots := outer.Lots
	byName := map[string]int64{}
	for _, p := range parties {
		result[p.ID] = 0
		if p.Group == "" {
			byName[p.Name] = p.ID
		}
	}
	for _, share := range outer.Allocation {
		group, isGroup := members[share.Name]
		if !isGroup {
			result[byName[share.Name]] = share.Seats
			continue
		}
		inner := make([]Contender, len(group))
		for i, p := range group {
			inner[i] = Contender{Name: p.Name, Seats: p.Seats}
		}
		split, err := DHondt(share.Seats, inner, seed)
		if err != nil {
			return nil, nil, err
		}
		for i, s := range split.Allocation {
			result[group[i].ID] = s.Seats
		}
		lots = append(lots, split.Lots...)
	}
	return result, lots, nil
}

// CellSeed derives the seed of one plan cell (or, with station 0, of a
// municipality-wide distribution of a task type on a day) from the
// election's recorded seed. Each cell gets its own draw: with one seed for
// every station, a tie between the same two groups would be won by the same
// group at every station.
func CellSeed(seed int64, stationID, taskTypeID int64, day Date) uint64 {
	h := splitmix(uint64(seed))
	for _, v := range []uint64{uint64(stationID), uint64(taskTypeID), uint64(day.Year), uint64(day.Month), uint64(day.Day)} {
		h = splitmix(h ^ v)
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// SpreadOverStations spreads municipality-wide party totals over stations
// whose counts are given, so that every station gets exactly its count and
// every party exactly its total (the two must have the same sum). result[s][p]
// is party p's slots at station s.
//
// The rule: stations are filled one after another in the given order (the
// district order). Each station's count is shared among the parties in
// proportion to the slots each party still has to place, by largest
// remainder: every party first gets the whole part of its proportional
// share, and the slots left over go to the largest fractions; equal
// fractions go to the party with more slots left to place, then to the one
// first in the list. Since the last station's count equals everything left,
// every party's total comes out exact, and no station ever gets more of a
// party than the party has left.
func SpreadOverStations(totals []int, counts []int) ([][]int, error) {
	remaining := slices.Clone(totals)
	left := 0
	for _, t := range totals {
		if t < 0 {
			return nil, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.negativecount", t))
		}
		left += t
	}
	sum := 0
	for _, c := range counts {
		if c < 0 {
			return nil, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.negativecount", c))
		}
		sum += c
	}
	if sum != left {
		return nil, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.mismatch", sum, left))
	}
	out := make([][]int, len(counts))
	for s, c := range counts {
		row := make([]int, len(totals))
		type frac struct{ p, num int }
		var fracs []frac
		given := 0
		for p, r := range remaining {
			if left == 0 {
				break
			}
			// c·r/left, exactly: whole part and remainder.
			row[p] = c * r / left
			given += row[p]
			if rem := c * r % left; rem > 0 {
				fracs = append(fracs, frac{p, rem})
			}
		}
		slices.SortStableFunc(fracs, func(a, b frac) int {
			if d := cmp.Compare(b.num, a.num); d != 0 {
				return d
			}
			return cmp.Compare(remaining[b.p], remaining[a.p])
		})
		for i := 0; given < c; i++ {
			row[fracs[i].p]++
			given++
		}
		for p := range row {
			remaining[p] -= row[p]
		}
		left -= c
		out[s] = row
	}
	return out, nil
}

// FormatReminderDays writes days as ParseReminderDays reads them, from the
// earliest reminder (the most days before) to the last.
func FormatReminderDays(days []int) string {
	days = slices.Clone(days)
	slices.SortFunc(days, func(a, b int) int { return cmp.Compare(b, a) })
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// AuditElectionChanged records a change of an election's settings or a
// duplicated election.
const AuditElectionChanged AuditAction = "election.changed"
