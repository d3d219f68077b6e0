package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/workflows"
)

// register answers from a map: the CPR register as the re-validation
// finds it, weeks after the nomination.
type register map[string]cpr.Person

func (r register) Lookup(_ context.Context, c models.CPR) (cpr.Person, error) {
	p, ok := r[c.Digits()]
	if !ok {
		return cpr.Person{}, cpr.ErrNotFound
	}
	p.CPR = c
	return p, nil
}

// Before the election the invited and confirmed are checked again: the one
// who died and the one who moved away are removed with the "removed by
// validation" message and their slots reopen; the one still eligible stays.
func TestRevalidationRemovesTheIneligible(t *testing.T) {
	s := newStack(t, 3, 3, 600)
	reg := register{}
	for i, p := range s.seed.People {
		facts := models.PersonFacts{Status: "01", Citizenship: "5100", MunicipalityCode: "0999"}
		switch i {
		case 1:
			facts.Status = "90"
		case 2:
			facts.MunicipalityCode = "0101"
		}
		reg[p.CPR.Reveal()] = cpr.Person{PersonFacts: facts}
	}
	s.acts.CPR = reg
	s.launch(t, 3)
	links := s.invitationLinks(t, 3)
	newVisitor(t).post(links[0], "ja")
	newVisitor(t).post(links[1], "ja")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := workflows.StartRevalidation(ctx, s.c, s.queue, s.seed.Election.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var progress workflows.RevalidationProgress
	if err := s.c.GetWorkflow(ctx, id, "").Get(ctx, &progress); err != nil {
		t.Fatal(err)
	}
	if progress.Checked != 3 || progress.Removed != 2 {
		t.Fatalf("progress %+v; want 3 checked, 2 removed", progress)
	}
	waitFor(t, time.Minute, "two removals", func() bool { return countStates(t, s.db)[models.StateRemoved] == 2 })
	var as []models.Assignment
	s.db.Order("participant_id").Find(&as)
	if as[0].State != models.StateConfirmed || as[1].State != models.StateRemoved || as[2].State != models.StateRemoved {
		t.Fatalf("states %s %s %s; want confirmed removed removed", as[0].State, as[1].State, as[2].State)
	}
	waitFor(t, time.Minute, "the removal messages", func() bool {
		n := 0
		for _, m := range s.smtp.Messages() {
			if strings.HasPrefix(m.Subject, "Du kan ikke være Tilforordnet") {
				n++
			}
		}
		return n == 2
	})
}
