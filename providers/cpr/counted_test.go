package cpr_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

// answers is a register that answers each number with a set error.
type answers map[string]error

func (a answers) Lookup(_ context.Context, c models.CPR) (cpr.Person, error) {
	return cpr.Person{GivenName: "Anna"}, a[c.Digits()]
}

// Every lookup through a counted register is counted once, by its outcome
// in a fixed word, never the number; the register's answer passes through.
func TestCountedRegisterCountsEachLookupByOutcome(t *testing.T) {
	numbers := []string{"0101701234", "0101702234", "0101703234", "0101704234", "0101705234", "0101706234"}
	reg := answers{
		numbers[1]: cpr.ErrNotFound,
		numbers[2]: &cpr.FaultError{Code: "soap:Server"},
		numbers[3]: &cpr.HTTPError{StatusCode: 503},
		numbers[4]: fmt.Errorf("cpr: lookup abandoned: %w", context.DeadlineExceeded),
		numbers[5]: errors.New("something else"),
	}
	var got []string
	counted := cpr.Counted(reg, func(outcome string) { got = append(got, outcome) })
	for _, n := range numbers {
		c, err := models.ParseCPR(n)
		if err != nil {
			t.Fatal(err)
		}
		p, err := counted.Lookup(context.Background(), c)
		if p.GivenName != "Anna" || !errors.Is(err, reg[n]) {
			t.Errorf("%s: the answer did not pass through: %+v, %v", n, p, err)
		}
	}
	want := []string{"found", "not_found", "fault", "http_error", "abandoned", "error"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	if cpr.Counted(nil, func(string) {}) != nil {
		t.Error("a register that is not configured became one")
	}
}
