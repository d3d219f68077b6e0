package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows/payload"
)

// RevalidationPage is one page of a re-validation: how many people were
// checked, who is no longer eligible (ids only) and where to go on.
type RevalidationPage struct {
	Checked int
	// Refreshed: people whose name, protection or Digital Post exemption
	// the register now gives otherwise, brought up to date.
	Refreshed  int
	Ineligible []payload.LifecycleRef
	AfterID    int64
	Done       bool
}

// RevalidatePage checks the next page of an election's invited and
// confirmed people against the CPR register, as before the nomination:
// people move, die and change status. A register that does not answer is
// retried; a person the register no longer knows is no longer eligible.
// What the register says of each person it knows is kept on their record
// (store.RefreshFromRegister): the name, the name and address protection
// and the Digital Post exemption. An election no longer active (closed
// while a scheduled run was under way) has nothing left to check.
func (a *Activities) RevalidatePage(ctx context.Context, electionID, afterID int64, limit int) (RevalidationPage, error) {
	var page RevalidationPage
	if a.CPR == nil || a.Keys == nil {
		return page, temporal.NewNonRetryableApplicationError("the worker has no CPR register (CPR_ENDPOINT) or no keys", "NoRegister", nil)
	}
	db := a.DB.WithContext(ctx)
	var e models.Election
	if err := db.First(&e, electionID).Error; err != nil {
		return page, err
	}
	if e.State != models.ElectionActive {
		page.Done = true
		return page, nil
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		return page, err
	}
	rules, err := store.RulesFor(ctx, db, e.Kind) // as edited on /valgtyper
	if err != nil {
		return page, err
	}
	var as []models.Assignment
	if err := db.Where("election_id = ? AND state IN ? AND id > ?", electionID,
		[]models.AssignmentState{models.StateInvited, models.StateConfirmed}, afterID).Order("id").Limit(limit).Find(&as).Error; err != nil {
		return page, err
	}
	for _, asg := range as {
		activity.RecordHeartbeat(ctx, asg.ID)
		var p models.Participant
		if err := db.First(&p, asg.ParticipantID).Error; err != nil {
			return page, err
		}
		var tt models.TaskType
		if err := db.First(&tt, asg.TaskTypeID).Error; err != nil {
			return page, err
		}
		number, err := models.ParseCPR(p.CPR.Reveal())
		if err != nil {
			return page, err
		}
		person, err := a.CPR.Lookup(ctx, number)
		subject := store.CPRIndex(a.Keys, number)
		if aerr := store.Audit(db, models.AuditEntry{At: a.now(), Action: models.AuditCPRLookup, ParticipantID: &p.ID,
			SubjectIndex: &subject, Detail: fmt.Sprintf("SF1520 re-validation before election %d", electionID)}); aerr != nil {
			return page, aerr
		}
		var reasons []models.Ineligibility
		switch {
		case errors.Is(err, cpr.ErrNotFound):
			reasons = []models.Ineligibility{{Code: models.IneligibleNotActive, Reason: models.Refuse("error.eligibility.notfound")}}
		case err != nil:
			return page, err
		default:
			reasons = rules.Check(e.ElectionDay, m.Code, person.PersonFacts, tt.Validation)
			// The name as registration builds it (recruit/register.go).
			changed, err := store.RefreshFromRegister(ctx, db, p.ID, store.RegisterFacts{
				Name:             strings.TrimSpace(person.GivenName + " " + person.Surname),
				ProtectedAddress: person.ProtectedAddress, DigitalPostExempt: person.DigitalPostExempt},
				fmt.Sprintf("re-validation before election %d", electionID), a.now())
			if err != nil {
				return page, err
			}
			if len(changed) > 0 {
				page.Refreshed++
			}
		}
		page.Checked++
		page.AfterID = asg.ID
		if len(reasons) > 0 {
			codes := make([]string, len(reasons))
			for i, r := range reasons {
				codes[i] = r.Code
			}
			if err := store.Audit(db, models.AuditEntry{At: a.now(), Action: models.AuditLifecycle, ParticipantID: &p.ID,
				Detail: fmt.Sprintf("assignment %d: no longer eligible (%s)", asg.ID, strings.Join(codes, ", "))}); err != nil {
				return page, err
			}
			page.Ineligible = append(page.Ineligible, payload.RefOf(asg))
		}
	}
	page.Done = len(as) < limit
	return page, nil
}
