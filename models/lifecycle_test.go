package models

import (
	"testing"
	"time"
)

func TestScheduleLifecycle(t *testing.T) {
	ep := Election{ElectionDay: NewDate(2024, 6, 9), AnswerDays: 14, ReminderEveryDays: 4, LockDays: 3,
		TaskReminderDays: 5, EveningReminder: true}
	tf := TaskType{StartTime: "07:00", Reminders: true}
	invited := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	s, err := ScheduleLifecycle(ep, tf, ep.ElectionDay, invited)
	if err != nil {
		t.Fatal(err)
	}
	// Summer time: 07:00 in Copenhagen is 05:00 UTC.
	if want := time.Date(2024, 6, 9, 5, 0, 0, 0, time.UTC); !s.TaskStart.Equal(want) {
		t.Errorf("task start %v, want %v", s.TaskStart, want)
	}
	if want := invited.AddDate(0, 0, 14); !s.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", s.Deadline, want)
	}
	// Every 4 days at 10:00 local (08:00 UTC): 5, 9, 13 May; 17 May is past the deadline of 15 May.
	want := []time.Time{
		time.Date(2024, 5, 5, 8, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 9, 8, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 13, 8, 0, 0, 0, time.UTC),
	}
	if len(s.Reminders) != len(want) {
		t.Fatalf("reminders %v, want %v", s.Reminders, want)
	}
	for i := range want {
		if !s.Reminders[i].Equal(want[i]) {
			t.Errorf("reminder %d at %v, want %v", i, s.Reminders[i], want[i])
		}
	}
	if want := time.Date(2024, 6, 5, 22, 0, 0, 0, time.UTC); !s.LockFrom.Equal(want) {
		t.Errorf("lock from %v, want %v (midnight 6 June in Copenhagen)", s.LockFrom, want)
	}
	if want := time.Date(2024, 6, 4, 8, 0, 0, 0, time.UTC); !s.TaskReminder.Equal(want) {
		t.Errorf("task reminder %v, want %v", s.TaskReminder, want)
	}
	if want := time.Date(2024, 6, 8, 16, 0, 0, 0, time.UTC); !s.EveningReminder.Equal(want) {
		t.Errorf("evening reminder %v, want %v", s.EveningReminder, want)
	}
	if want := time.Date(2024, 6, 9, 22, 0, 0, 0, time.UTC); !s.CompleteAt.Equal(want) {
		t.Errorf("complete at %v, want %v", s.CompleteAt, want)
	}
}

func TestScheduleInWinterTimeAndOnGivenDays(t *testing.T) {
	kv := Election{ElectionDay: NewDate(2025, 11, 18), AnswerDays: 30, ReminderDaysBefore: "14, 7,5,3", LockDays: 2}
	tf := TaskType{StartTime: "07:00"}
	invited := time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC)
	s, err := ScheduleLifecycle(kv, tf, kv.ElectionDay, invited)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 11, 18, 6, 0, 0, 0, time.UTC); !s.TaskStart.Equal(want) {
		t.Errorf("task start %v, want 06:00 UTC (winter time)", s.TaskStart)
	}
	// Deadline 31 Oct (30 days); the reminders 14, 7, 5, 3 days before 18 Nov
	// (4, 11, 13, 15 Nov) all fall after it: none.
	if len(s.Reminders) != 0 {
		t.Errorf("reminders %v after the deadline %v", s.Reminders, s.Deadline)
	}
	kv.AnswerDays = 60
	s, _ = ScheduleLifecycle(kv, tf, kv.ElectionDay, invited)
	// Deadline capped at the start of the day before: 17 Nov 00:00 local.
	if want := time.Date(2025, 11, 16, 23, 0, 0, 0, time.UTC); !s.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", s.Deadline, want)
	}
	if len(s.Reminders) != 4 || !s.Reminders[0].Equal(time.Date(2025, 11, 4, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("reminders %v, want 4, 11, 13, 15 Nov at 09:00 UTC", s.Reminders)
	}
	if !s.TaskReminder.IsZero() || !s.EveningReminder.IsZero() {
		t.Errorf("task type without reminders got %v / %v", s.TaskReminder, s.EveningReminder)
	}
}

func TestLateInvitationMayBeAnsweredUntilTheTask(t *testing.T) {
	e := Election{ElectionDay: NewDate(2025, 11, 18), AnswerDays: 14, ReminderEveryDays: 4}
	invited := time.Date(2025, 11, 17, 12, 0, 0, 0, time.UTC)
	s, _ := ScheduleLifecycle(e, TaskType{StartTime: "07:00"}, e.ElectionDay, invited)
	if !s.Deadline.Equal(s.TaskStart) || len(s.Reminders) != 0 {
		t.Errorf("deadline %v reminders %v; want the task start and none", s.Deadline, s.Reminders)
	}
}

func TestParseReminderDays(t *testing.T) {
	for _, bad := range []string{"x", "0", "-3", "400", "7,7", "3.5"} {
		if _, err := ParseReminderDays(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if d, err := ParseReminderDays(" 14 ,7, "); err != nil || len(d) != 2 {
		t.Errorf("got %v, %v", d, err)
	}
}

func TestLifecycleDefaultsParseAndMayGoByEmail(t *testing.T) {
	for kind, d := range LifecycleDefaults {
		for _, src := range []string{d.Subject, d.Body} {
			tpl, err := ParseTemplate(src, LifecycleFields)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if err := CheckChannelFields(tpl, "email"); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
		}
	}
}

// The morning reminder: two hours before the task, never before 06:00 in
// Copenhagen, none for a task that starts before 06:00 or whose type
// sends no reminders; check-in opens at 00:00 of the task day.
func TestMorningReminderAndCheckInWindow(t *testing.T) {
	e := Election{ElectionDay: NewDate(2024, 6, 9), AnswerDays: 14}
	invited := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	local := func(h, m int) time.Time { return time.Date(2024, 6, 9, h, m, 0, 0, Copenhagen) }
	for _, c := range []struct {
		start     string
		reminders bool
		want      time.Time
	}{
		{"07:00", true, local(6, 0)},
		{"10:30", true, local(8, 30)},
		{"05:30", true, time.Time{}},
		{"10:30", false, time.Time{}},
	} {
		s, err := ScheduleLifecycle(e, TaskType{StartTime: c.start, Reminders: c.reminders}, e.ElectionDay, invited)
		if err != nil {
			t.Fatal(err)
		}
		if !s.MorningReminder.Equal(c.want) {
			t.Errorf("task at %s (reminders %v): morning reminder %v, want %v", c.start, c.reminders, s.MorningReminder, c.want)
		}
		if want := local(0, 0); !s.CheckInFrom.Equal(want) || !s.CompleteAt.Equal(want.AddDate(0, 0, 1)) {
			t.Errorf("check-in from %v until %v, want the task day", s.CheckInFrom, s.CompleteAt)
		}
	}
}
