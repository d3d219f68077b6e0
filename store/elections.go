package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// SetElectionState moves an election to its next state. Of two moves at
// once, one wins and the other gets models.ErrStale; a move the rules forbid is a
// UserError. Staff only.
func SetElectionState(ctx context.Context, db *gorm.DB, actor models.User, id int64, to models.ElectionState, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	db = db.WithContext(ctx)
	var e models.Election
	if err := db.First(&e, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	} else if err != nil {
		return err
	}
	if err := models.CheckElectionTransition(e.State, to); err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Election{}).Where("id = ? AND state = ?", id, e.State).
			Updates(map[string]any{"state": to, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditElectionState,
			Detail: fmt.Sprintf("election %d: %s → %s", id, e.State, to)})
	})
}

// CreateElection adds an election as a draft. Staff only; the day must be
// a real date that has not passed (in Copenhagen).
func CreateElection(ctx context.Context, db *gorm.DB, actor models.User, title string, kind models.ElectionKind, day string, now time.Time) (models.Election, error) {
	var e models.Election
	if !isStaff(actor) {
		return e, models.ErrForbidden
	}
	title = strings.TrimSpace(title)
	if title == "" || len(title) > 200 {
		return e, models.RefuseField("title", "error.election.title")
	}
	switch kind {
	case models.Folketingsvalg, models.Folkeafstemning, models.Kommunalvalg, models.EuropaParlamentsvalg:
	default:
		return e, models.RefuseField("kind", "error.election.kind")
	}
	d, err := models.ParseDate(day)
	if err != nil {
		return e, models.RefuseField("day", "error.election.day")
	}
	if d.DaysSince(models.DateOf(now.In(models.Copenhagen))) < 0 {
		return e, models.RefuseField("day", "error.election.daypassed")
	}
	e = models.Election{Title: title, Kind: kind, ElectionDay: d, State: models.ElectionDraft, CreatedAt: now, UpdatedAt: now}
	return e, db.WithContext(ctx).Create(&e).Error
}

// Limits of the task period around the election day: brevstemmer may be
// received weeks before, fintælling happens the days after.
const (
	maxDaysBefore = 90
	maxDaysAfter  = 30
)

// applySettings checks in and writes it onto e; old is the election as it
// was (zero for a new one), to allow a day that has passed when it is not
// changed.
func applySettings(e *models.Election, in models.ElectionSettings, old models.Election, now time.Time) models.FieldErrors {
	errs := models.FieldErrors{}
	e.Title = strings.TrimSpace(in.Title)
	if e.Title == "" || len(e.Title) > 200 {
		errs["title"] = models.RefuseField("title", "error.election.title")
	}
	day, err := models.ParseDate(strings.TrimSpace(in.Day))
	switch {
	case err != nil:
		errs["day"] = models.RefuseField("day", "error.election.day")
	case day != old.ElectionDay && day.DaysSince(models.DateOf(now.In(models.Copenhagen))) < 0:
		errs["day"] = models.RefuseField("day", "error.election.daypassed")
	default:
		e.ElectionDay = day
	}
	e.TasksFrom, e.TasksUntil = nil, nil
	if s := strings.TrimSpace(in.TasksFrom); s != "" {
		d, err := models.ParseDate(s)
		switch {
		case err != nil:
			errs["tasks_from"] = models.RefuseField("tasks_from", "error.election.optionaldate")
		case errs["day"] == nil && d.DaysSince(day) > 0:
			errs["tasks_from"] = models.RefuseField("tasks_from", "error.election.fromafterday")
		case errs["day"] == nil && day.DaysSince(d) > maxDaysBefore:
			errs["tasks_from"] = models.RefuseField("tasks_from", "error.election.fromtooearly", maxDaysBefore)
		default:
			e.TasksFrom = &d
		}
	}
	if s := strings.TrimSpace(in.TasksUntil); s != "" {
		d, err := models.ParseDate(s)
		switch {
		case err != nil:
			errs["tasks_until"] = models.RefuseField("tasks_until", "error.election.optionaldate")
		case errs["day"] == nil && d.DaysSince(day) < 0:
			errs["tasks_until"] = models.RefuseField("tasks_until", "error.election.untilbeforeday")
		case errs["day"] == nil && d.DaysSince(day) > maxDaysAfter:
			errs["tasks_until"] = models.RefuseField("tasks_until", "error.election.untiltoolate", maxDaysAfter)
		default:
			e.TasksUntil = &d
		}
	}
	number := func(field, value string, min, max int, dst *int) {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < min || n > max {
			errs[field] = models.RefuseField(field, "error.number.range", min, max)
			return
		}
		*dst = n
	}
	number("lock_days", in.LockDays, 0, 60, &e.LockDays)
	number("answer_days", in.AnswerDays, 1, 60, &e.AnswerDays)
	number("reminder_every_days", in.ReminderEveryDays, 0, 60, &e.ReminderEveryDays)
	number("task_reminder_days", in.TaskReminderDays, 0, 60, &e.TaskReminderDays)
	// A replacement on the day searches at least 5 minutes and at most the
	// day's 12 working hours (the schema's check).
	number("day_replace_minutes", in.DayReplaceMinutes, 5, 720, &e.DayReplaceMinutes)
	if days, err := models.ParseReminderDays(in.ReminderDaysBefore); err != nil {
		errs["reminder_days_before"] = models.RefuseField("reminder_days_before", "error.election.reminderdays")
	} else {
		e.ReminderDaysBefore = models.FormatReminderDays(days)
	}
	e.EveningReminder, e.AutoReplace = in.EveningReminder, in.AutoReplace
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// UpdateElection changes an election's settings. The change carries the
// version it was based on: models.ErrStale if someone else saved first. Wrong input
// is a models.FieldErrors. Days with slots cannot fall outside the task period; a
// closed election is not changed. Staff only.
func UpdateElection(ctx context.Context, db *gorm.DB, actor models.User, id int64, version int, in models.ElectionSettings, now time.Time) (models.Election, error) {
	if !isStaff(actor) {
		return models.Election{}, models.ErrForbidden
	}
	var e models.Election
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old models.Election
		if err := tx.First(&old, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if old.State == models.ElectionClosed {
			return models.Refuse("error.election.closed")
		}
		e = old
		if errs := applySettings(&e, in, old, now); errs != nil {
			return errs
		}
		if err := updateVersioned(tx, &models.Election{}, id, version, map[string]any{
			"title": e.Title, "election_day": e.ElectionDay, "tasks_from": e.TasksFrom, "tasks_until": e.TasksUntil,
			"lock_days": e.LockDays, "answer_days": e.AnswerDays, "reminder_every_days": e.ReminderEveryDays,
			"reminder_days_before": e.ReminderDaysBefore, "task_reminder_days": e.TaskReminderDays,
			"evening_reminder": e.EveningReminder, "auto_replace": e.AutoReplace, "day_replace_minutes": e.DayReplaceMinutes,
			"updated_at": now}); err != nil {
			return err
		}
		// After the update, which locks the election row as plan changes
		// do: a slot added meanwhile is seen here.
		days := e.TaskDays()
		var outside int64
		if err := tx.Model(&models.Slot{}).Where("election_id = ? AND (day < ? OR day > ?)", id, days[0], days[len(days)-1]).
			Count(&outside).Error; err != nil {
			return err
		}
		if outside > 0 {
			return models.FieldErrors{"tasks_from": models.RefuseField("tasks_from", "error.election.slotsoutside", outside)}
		}
		e.Version = version + 1
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditElectionChanged,
			Detail: fmt.Sprintf("election %d: settings", id)})
	})
	return e, err
}

// DuplicateElection starts a new draft election from an earlier one: its
// type and settings, the task period moved with the election day, and every
// slot (same stations, task types, parties, by agreement or not) on the day
// moved by as many days. No people come along: no assignments, no reserve
// lists. The new election draws its own lots (a new seed on first use).
// Staff only.
func DuplicateElection(ctx context.Context, db *gorm.DB, actor models.User, sourceID int64, title, day string, now time.Time) (models.Election, error) {
	if !isStaff(actor) {
		return models.Election{}, models.ErrForbidden
	}
	var e models.Election
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var src models.Election
		if err := tx.First(&src, sourceID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		d, err := models.ParseDate(strings.TrimSpace(day))
		if err != nil {
			return models.FieldErrors{"day": models.RefuseField("day", "error.election.day")}
		}
		if d.DaysSince(models.DateOf(now.In(models.Copenhagen))) < 0 {
			return models.FieldErrors{"day": models.RefuseField("day", "error.election.daypassed")}
		}
		title = strings.TrimSpace(title)
		if title == "" || len(title) > 200 {
			return models.FieldErrors{"title": models.RefuseField("title", "error.election.newtitle")}
		}
		shift := d.DaysSince(src.ElectionDay)
		moved := func(p *models.Date) *models.Date {
			if p == nil {
				return nil
			}
			m := p.AddDays(shift)
			return &m
		}
		e = src
		e.ID, e.Title, e.ElectionDay, e.State, e.AnonymisedAt = 0, title, d, models.ElectionDraft, nil
		e.TasksFrom, e.TasksUntil = moved(src.TasksFrom), moved(src.TasksUntil)
		e.QuotaSeed, e.Version, e.PlanVersion, e.CreatedAt, e.UpdatedAt = 0, 1, 1, now, now
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		// Create writes a zero setting as the schema's default (gorm's
		// default tags): write the copied settings as they are.
		if err := tx.Model(&models.Election{}).Where("id = ?", e.ID).Updates(map[string]any{
			"lock_days": src.LockDays, "answer_days": src.AnswerDays, "reminder_every_days": src.ReminderEveryDays,
			"task_reminder_days": src.TaskReminderDays, "evening_reminder": src.EveningReminder, "auto_replace": src.AutoReplace,
			"day_replace_minutes": src.DayReplaceMinutes,
			"quota_seed":          0, "version": 1, "plan_version": 1, "retention_days": src.RetentionDays}).Error; err != nil {
			return err
		}
		var slots []models.Slot
		if err := tx.Where("election_id = ?", src.ID).Order("id").Find(&slots).Error; err != nil {
			return err
		}
		for i := range slots {
			slots[i].ID, slots[i].ElectionID, slots[i].Day, slots[i].CreatedAt = 0, e.ID, slots[i].Day.AddDays(shift), now
		}
		if len(slots) > 0 {
			if err := tx.CreateInBatches(&slots, 500).Error; err != nil {
				return err
			}
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditElectionChanged,
			Detail: fmt.Sprintf("election %d: duplicated from election %d with %d slots", e.ID, src.ID, len(slots))})
	})
	return e, err
}
