package activities

import (
	"context"
	"errors"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// RetentionStatus is when an election's personal data is due for deletion,
// as the election is set now (staff may move it), and whether it is gone.
type RetentionStatus struct {
	Due        time.Time
	Anonymised bool
}

// RetentionDue reads an election's retention date.
func (a *Activities) RetentionDue(ctx context.Context, electionID int64) (RetentionStatus, error) {
	var e models.Election
	if err := a.DB.WithContext(ctx).First(&e, electionID).Error; err != nil {
		return RetentionStatus{}, err
	}
	return RetentionStatus{Due: e.RetentionDue(), Anonymised: e.AnonymisedAt != nil}, nil
}

// Anonymisation is what deleting an election's personal data did: counts
// only. NotDue: the date moved later meanwhile, nothing was done.
type Anonymisation struct {
	NotDue                          bool
	Deleted, KeptConsent, KeptOther int
	// ListOnly: of Deleted, people on a party's list only (never in an
	// election), listed before the election day.
	ListOnly              int
	Assignments, Messages int64
	AuditEntries          int
}

// AnonymiseElection deletes a closed election's personal data
// (store.AnonymiseElection); run again, it does nothing.
func (a *Activities) AnonymiseElection(ctx context.Context, electionID int64) (Anonymisation, error) {
	p, err := store.AnonymiseElection(ctx, a.DB, electionID, a.now())
	if errors.Is(err, store.ErrNotDue) {
		return Anonymisation{NotDue: true}, nil
	}
	if err != nil {
		return Anonymisation{}, err
	}
	return Anonymisation{Deleted: p.Deleted, KeptConsent: p.KeptConsent, KeptOther: p.KeptOther, ListOnly: p.ListOnly,
		Assignments: p.Assignments, Messages: p.Messages, AuditEntries: p.AuditEntries}, nil
}
