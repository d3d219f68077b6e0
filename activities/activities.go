// Package activities holds the Temporal activities: database writes, sends
// and look-ups. Each loads what it needs by id, so no personal data travels
// through a workflow's history.
package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/vault"
)

// Activities carries the dependencies the activities share. Register a
// pointer to it with the worker; workflows name its methods.
type Activities struct {
	DB  *gorm.DB
	Now func() time.Time
	// Mail sends e-mail; nil when the worker has no SMTP settings.
	Mail Mailer
	// DigitalPost sends letters to the citizen's Digital Post; nil when
	// not configured.
	DigitalPost DigitalPostSender
	// SMS sends text messages; nil when not configured.
	SMS SMSSender
	// BaseURL is the web app's public URL, for links in messages.
	BaseURL string
	// Keys make the answer links' tokens (a keyed hash of the lifecycle).
	Keys *vault.Keyring
	// CPR is the CPR register, for re-validation before the election; nil
	// when not configured.
	CPR cpr.Register
	// CompressTime > 1 makes lifecycles run that many times faster than
	// the calendar (see models.LifecycleSchedule.Compressed): for tests and
	// benchmarks on a real server only, never set in production.
	CompressTime float64
	// Metrics counts messages by channel and outcome and the answers
	// applied; nil counts nothing.
	Metrics *metrics.Metrics
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// SelfCheckResult is what a system check found.
type SelfCheckResult struct {
	Elections int64
	CheckedAt time.Time
}

// RecordSelfCheck reads the app database and records that the workflow that
// called it got this far. A retry finds the row of its first attempt and
// returns that, so a check is recorded once.
func (a *Activities) RecordSelfCheck(ctx context.Context) (SelfCheckResult, error) {
	wfID := activity.GetInfo(ctx).WorkflowExecution.ID
	db := a.DB.WithContext(ctx)
	var n int64
	if err := db.Model(&models.Election{}).Count(&n).Error; err != nil {
		return SelfCheckResult{}, err
	}
	check := models.SystemCheck{WorkflowID: wfID, Elections: n, CheckedAt: a.now()}
	if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "workflow_id"}}, DoNothing: true}).
		Create(&check).Error; err != nil {
		return SelfCheckResult{}, err
	}
	if err := db.Where("workflow_id = ?", wfID).First(&check).Error; err != nil {
		return SelfCheckResult{}, err
	}
	return SelfCheckResult{Elections: check.Elections, CheckedAt: check.CheckedAt.UTC()}, nil
}
