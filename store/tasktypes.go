package store

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

var clock = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

func checkTaskType(t *models.TaskType) error {
	t.Name, t.ShortName, t.Description = strings.TrimSpace(t.Name), strings.TrimSpace(t.ShortName), strings.TrimSpace(t.Description)
	switch {
	case t.Name == "" || t.ShortName == "":
		return models.RefuseField("name", "error.tasktype.name")
	case !clock.MatchString(t.StartTime) || !clock.MatchString(t.EndTime):
		return models.RefuseField("start", "error.tasktype.times")
	case t.EndTime <= t.StartTime:
		return models.RefuseField("end", "error.tasktype.endbeforestart")
	case t.AllowanceKr < 0 || t.AllowanceKr > 100000:
		return models.RefuseField("allowance", "error.tasktype.allowance")
	}
	return nil
}

// SaveTaskType creates a task type (ID 0) or changes one, refusing a change
// based on an older version (models.ErrStale). Staff only.
func SaveTaskType(ctx context.Context, db *gorm.DB, actor models.User, t models.TaskType) (models.TaskType, error) {
	if !isStaff(actor) {
		return t, models.ErrForbidden
	}
	if err := checkTaskType(&t); err != nil {
		return t, err
	}
	db = db.WithContext(ctx)
	var err error
	if t.ID == 0 {
		t.Version = 1
		err = db.Create(&t).Error
	} else if err = updateVersioned(db, &models.TaskType{}, t.ID, t.Version, map[string]any{
		"name": t.Name, "short_name": t.ShortName, "description": t.Description, "start_time": t.StartTime,
		"end_time": t.EndTime, "allowance_kr": t.AllowanceKr, "appointed_only": t.AppointedOnly,
		"validation": t.Validation, "reminders": t.Reminders}); err == nil {
		t.Version++
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return t, models.RefuseField("name", "error.tasktype.nametaken")
	}
	return t, err
}
