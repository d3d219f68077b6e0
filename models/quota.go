package models

import (
	"container/heap"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Quota engine: the municipal council elects valgstyrere and tilforordnede
// vælgere by proportional representation "under ét", in practice d'Hondt over
// the council groups (or valggrupper), with equal quotients decided by lot
// (see DOMAIN.md, "The law").

// ErrQuota is wrapped by every input error DHondt returns, together with
// the refusal (a *UserError) that says what is wrong.
var ErrQuota = errors.New("quota: invalid input")

// Contender is a council group (or valggruppe) with its seats (or votes).
type Contender struct {
	Name  string
	Seats int
}

// Lot records one tie decided by lot: among the contenders with equal
// quotients competing for the last remaining slot(s), the winners. Both lists
// are sorted by name (byte order).
type Lot struct {
	Among   []string `json:"among"`
	Winners []string `json:"winners"`
}

// Share is one contender's number of slots.
type Share struct {
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

// Allocation is the result of DHondt: the shares in the input order of the
// contenders and the lots that were drawn (never nil; empty when no tie
// mattered).
type Allocation struct {
	Allocation []Share `json:"allocation"`
	Lots       []Lot   `json:"lots"`
}

// lotStream is the fixed second word of the PCG state used for lots, so the
// draw depends on the caller's seed only ("valghall" in ASCII).
const lotStream = 0x76616c6768616c6c

// DHondt distributes n slots over contenders by d'Hondt: each contender's
// seats are divided by 1, 2, 3, …, and the n largest quotients win a slot.
//
// Quotients are compared exactly (cross-multiplication in 128 bits, never
// floats). When more contenders share the smallest winning quotient than
// there are slots left for it, the slots are decided by lot: the tied names
// are sorted and the winners drawn with a PCG generator seeded with seed, and
// the draw is recorded in Lots. The same inputs and seed therefore always
// give the same result, whatever the input order; a tie in which every tied
// contender gets a slot is not a lot. With the same seed, one more slot never
// takes a slot away from anyone (the draw for r+1 winners extends the draw
// for r).
//
// Errors (wrapping ErrQuota): n < 0, no contenders, an empty or duplicate
// name, negative seats, and all seats zero while n > 0.
func DHondt(n int, contenders []Contender, seed uint64) (Allocation, error) {
	if n < 0 {
		return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.negativeslots", n))
	}
	if len(contenders) == 0 {
		return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.nogroups"))
	}
	seen := make(map[string]bool, len(contenders))
	total := new(big.Int)
	for _, c := range contenders {
		if c.Name == "" {
			return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.noname"))
		}
		if seen[c.Name] {
			return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.duplicate", c.Name))
		}
		seen[c.Name] = true
		if c.Seats < 0 {
			return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.negativeseats", c.Name, c.Seats))
		}
		total.Add(total, big.NewInt(int64(c.Seats)))
	}
	if n > 0 && total.Sign() == 0 {
		return Allocation{}, fmt.Errorf("%w: %w", ErrQuota, Refuse("error.quota.noseats", n))
	}

	seats := make([]int, len(contenders))
	remaining := n
	if n > 0 {
		// Start from the lower quota floor(n·s/S): d'Hondt gives every
		// contender at least that many slots whichever way a lot falls, so
		// those slots contain no tied quotient that could lose a lot, and
		// fewer than len(contenders) slots are left to hand out below. This
		// keeps huge n cheap.
		bn := big.NewInt(int64(n))
		var q big.Int
		for i, c := range contenders {
			q.Mul(bn, big.NewInt(int64(c.Seats)))
			q.Quo(&q, total)
			seats[i] = int(q.Int64()) // ≤ n
			remaining -= seats[i]
		}
	}

	// Hand out the remaining slots round by round: in each round the
	// contenders whose next quotient s/(a+1) is the largest. A max-heap keeps
	// this O(m log m) even for many contenders.
	h := &quotientHeap{contenders: contenders, seats: seats}
	for i, c := range contenders {
		if c.Seats > 0 {
			h.idx = append(h.idx, i)
		}
	}
	heap.Init(h)
	lots := []Lot{}
	for remaining > 0 {
		tied := []int{heap.Pop(h).(int)}
		for h.Len() > 0 && h.cmp(h.idx[0], tied[0]) == 0 {
			tied = append(tied, heap.Pop(h).(int))
		}
		if len(tied) <= remaining {
			// Every tied contender gets a slot: no lot.
			for _, i := range tied {
				seats[i]++
				heap.Push(h, i)
			}
			remaining -= len(tied)
			continue
		}
		among := make([]string, len(tied))
		index := make(map[string]int, len(tied))
		for k, i := range tied {
			among[k] = contenders[i].Name
			index[contenders[i].Name] = i
		}
		slices.Sort(among)
		winners := drawLot(among, remaining, seed)
		for _, w := range winners {
			seats[index[w]]++
		}
		lots = append(lots, Lot{Among: among, Winners: winners})
		remaining = 0
	}

	shares := make([]Share, len(contenders))
	for i, c := range contenders {
		shares[i] = Share{Name: c.Name, Seats: seats[i]}
	}
	return Allocation{Allocation: shares, Lots: lots}, nil
}

// quotientHeap is a max-heap of contender indices by next quotient
// s/(a+1). Ties are left in any order; DHondt pops all of them together.
type quotientHeap struct {
	contenders []Contender
	seats      []int
	idx        []int
}

func (h *quotientHeap) cmp(i, j int) int {
	return compareQuotients(h.contenders[i].Seats, h.seats[i]+1, h.contenders[j].Seats, h.seats[j]+1)
}

func (h *quotientHeap) Len() int           { return len(h.idx) }
func (h *quotientHeap) Less(a, b int) bool { return h.cmp(h.idx[a], h.idx[b]) > 0 }
func (h *quotientHeap) Swap(a, b int)      { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }
func (h *quotientHeap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *quotientHeap) Pop() any {
	last := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return last
}

// compareQuotients compares a/b with c/d (all non-negative, b and d > 0)
// exactly: it returns -1, 0 or 1 as a·d is less than, equal to or greater
// than c·b. The products are computed in 128 bits, so they cannot overflow.
func compareQuotients(a, b, c, d int) int {
	lhsHi, lhsLo := bits.Mul64(uint64(a), uint64(d))
	rhsHi, rhsLo := bits.Mul64(uint64(c), uint64(b))
	switch {
	case lhsHi != rhsHi:
		if lhsHi < rhsHi {
			return -1
		}
		return 1
	case lhsLo != rhsLo:
		if lhsLo < rhsLo {
			return -1
		}
		return 1
	}
	return 0
}

// drawLot draws k of the sorted names by lot and returns the winners sorted.
// It runs the first k steps of a Fisher–Yates shuffle driven by PCG(seed,
// lotStream), with unbiased bounded draws computed here rather than by
// math/rand's helpers, so the outcome depends only on the PCG algorithm. The
// first k steps do not depend on k, so the winners for k+1 include the
// winners for k.
func drawLot(sorted []string, k int, seed uint64) []string {
	src := rand.NewPCG(seed, lotStream)
	pool := slices.Clone(sorted)
	for i := 0; i < k; i++ {
		j := i + int(uniform(src, uint64(len(pool)-i)))
		pool[i], pool[j] = pool[j], pool[i]
	}
	winners := pool[:k:k]
	slices.Sort(winners)
	return winners
}

// uniform returns a uniformly distributed integer in [0, bound), bound > 0,
// by Lemire's multiply-and-reject method.
func uniform(src *rand.PCG, bound uint64) uint64 {
	threshold := -bound % bound
	for {
		hi, lo := bits.Mul64(src.Uint64(), bound)
		if lo >= threshold {
			return hi
		}
	}
}
