package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LifecycleSchedule is when things happen in one person's lifecycle, as
// instants (UTC). It is computed once, when the invitation goes out, from
// the election's settings then: a later change of the settings applies to
// later invitations.
type LifecycleSchedule struct {
	InvitedAt time.Time
	// Deadline: an unanswered invitation expires here.
	Deadline time.Time
	// Reminders of an unanswered invitation, in order, all before Deadline.
	Reminders []time.Time
	// TaskStart is when the task begins; LockFrom is the start of the lock
	// period, after which the worker cannot cancel by themselves.
	TaskStart time.Time
	LockFrom  time.Time
	// TaskReminder and EveningReminder go to the confirmed (zero: none).
	TaskReminder    time.Time
	EveningReminder time.Time
	// MorningReminder goes to the confirmed on the task day itself,
	// morningLead before the task starts but not before 06:00 (zero: none).
	MorningReminder time.Time
	// CheckInFrom is when a confirmed person may be checked in: 00:00 in
	// Copenhagen of the task day. Not "a few hours before the task": the
	// valgstyrere meet an hour or more before the polls open to set up, and
	// a station leader checks in the early arrivals as they come; a mark
	// on the wrong day is what must be refused.
	CheckInFrom time.Time
	// CompleteAt: a confirmed lifecycle is completed when the task day is
	// over.
	CompleteAt time.Time
}

// Civil times of day, in Copenhagen, at which reminders go out: nobody is
// woken by a reminder at the minute of the invitation's anniversary.
const (
	reminderHour = 10
	eveningHour  = 18
	// The morning reminder: two hours before the task (time to get there
	// on the bus), never before 06:00.
	morningLead     = 2 * time.Hour
	earliestMorning = 6
)

// ParseReminderDays parses "14, 7, 3" (days before the election on which an
// unanswered invitation is reminded): positive whole numbers, at most 365,
// no repeats. Empty is no list.
func ParseReminderDays(s string) ([]int, error) {
	var days []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 365 {
			return nil, fmt.Errorf("reminder days must be whole days before the election (1–365), separated by commas; %q is not", f)
		}
		if slices.Contains(days, n) {
			return nil, fmt.Errorf("reminder day %d is given twice", n)
		}
		days = append(days, n)
	}
	return days, nil
}

// ScheduleLifecycle computes the schedule of an invitation sent at
// invitedAt for a task of taskType on day in election e.
//
// The deadline is AnswerDays after the invitation, but never later than the
// start of the day before the task, so staff have a day to find someone
// else; an invitation sent later than that (a late replacement) may be
// answered until the task starts. Reminders fall at 10:00 in Copenhagen:
// on the election's given days before the election day when it has them,
// else every ReminderEveryDays after the invitation; only those strictly
// between the invitation and the deadline count.
func ScheduleLifecycle(e Election, taskType TaskType, day Date, invitedAt time.Time) (LifecycleSchedule, error) {
	start, err := civilTime(day, taskType.StartTime, 0)
	if err != nil {
		return LifecycleSchedule{}, err
	}
	s := LifecycleSchedule{InvitedAt: invitedAt.UTC(), TaskStart: start}
	s.Deadline = invitedAt.AddDate(0, 0, max(1, e.AnswerDays)).UTC()
	if dayBefore := day.AddDays(-1).In(Copenhagen).UTC(); dayBefore.Before(s.Deadline) {
		s.Deadline = dayBefore
	}
	if !s.Deadline.After(invitedAt) {
		s.Deadline = start
	}
	s.LockFrom = day.AddDays(-e.LockDays).In(Copenhagen).UTC()

	days, err := ParseReminderDays(e.ReminderDaysBefore)
	if err != nil {
		return LifecycleSchedule{}, err
	}
	var reminders []time.Time
	if len(days) > 0 {
		for _, n := range days {
			at, _ := civilTime(e.ElectionDay.AddDays(-n), "", reminderHour)
			reminders = append(reminders, at)
		}
	} else if e.ReminderEveryDays > 0 {
		for at := invitedAt.AddDate(0, 0, e.ReminderEveryDays); at.Before(s.Deadline); at = at.AddDate(0, 0, e.ReminderEveryDays) {
			local := at.In(Copenhagen)
			at10 := time.Date(local.Year(), local.Month(), local.Day(), reminderHour, 0, 0, 0, Copenhagen)
			reminders = append(reminders, at10.UTC())
		}
	}
	for _, r := range reminders {
		if r.After(invitedAt) && r.Before(s.Deadline) && !slices.Contains(s.Reminders, r) {
			s.Reminders = append(s.Reminders, r)
		}
	}
	slices.SortFunc(s.Reminders, func(a, b time.Time) int { return a.Compare(b) })

	if taskType.Reminders {
		if e.TaskReminderDays > 0 {
			s.TaskReminder, _ = civilTime(day.AddDays(-e.TaskReminderDays), "", reminderHour)
		}
		if e.EveningReminder {
			s.EveningReminder, _ = civilTime(day.AddDays(-1), "", eveningHour)
		}
		six, _ := civilTime(day, "", earliestMorning)
		s.MorningReminder = start.Add(-morningLead)
		if s.MorningReminder.Before(six) {
			s.MorningReminder = six
		}
		if !s.MorningReminder.Before(start) {
			s.MorningReminder = time.Time{} // a task that starts before 06:00: the evening reminder said it
		}
	}
	s.CheckInFrom = day.In(Copenhagen).UTC()
	s.CompleteAt = day.AddDays(1).In(Copenhagen).UTC()
	return s, nil
}

// civilTime is the instant of "HH:MM" (or, when empty, hour:00) on day in
// Copenhagen, in UTC. Daylight saving is Copenhagen's: an election in June
// and one in November both start at 07:00 local time.
func civilTime(day Date, hhmm string, hour int) (time.Time, error) {
	minute := 0
	if hhmm != "" {
		t, err := time.Parse("15:04", hhmm)
		if err != nil {
			return time.Time{}, fmt.Errorf("the time of day %q is not HH:MM", hhmm)
		}
		hour, minute = t.Hour(), t.Minute()
	}
	return time.Date(day.Year, day.Month, day.Day, hour, minute, 0, 0, Copenhagen).UTC(), nil
}

// Compressed returns the schedule with every instant's distance from the
// invitation divided by factor, so that a day passes in seconds. Timers on
// a real Temporal server are real: integration tests and benchmarks use
// this to see reminders and deadlines; production never does.
func (s LifecycleSchedule) Compressed(factor float64) LifecycleSchedule {
	squeeze := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return s.InvitedAt.Add(time.Duration(float64(t.Sub(s.InvitedAt)) / factor))
	}
	c := s
	c.Deadline, c.TaskStart, c.LockFrom = squeeze(s.Deadline), squeeze(s.TaskStart), squeeze(s.LockFrom)
	c.TaskReminder, c.EveningReminder, c.CompleteAt = squeeze(s.TaskReminder), squeeze(s.EveningReminder), squeeze(s.CompleteAt)
	c.MorningReminder, c.CheckInFrom = squeeze(s.MorningReminder), squeeze(s.CheckInFrom)
	c.Reminders = make([]time.Time, len(s.Reminders))
	for i, r := range s.Reminders {
		c.Reminders[i] = squeeze(r)
	}
	return c
}
