package models_test

import (
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
)

func TestRetentionDue(t *testing.T) {
	until := models.NewDate(2024, 6, 12)
	for _, tc := range []struct {
		name string
		e    models.Election
		want time.Time
	}{
		// EP 2024-06-09 + 90 days = 2024-09-07, midnight in summer time.
		{"summer", models.Election{ElectionDay: models.NewDate(2024, 6, 9), RetentionDays: 90}, time.Date(2024, 9, 6, 22, 0, 0, 0, time.UTC)},
		// KV 2025-11-18 + 90 days = 2026-02-16, midnight in winter time.
		{"winter", models.Election{ElectionDay: models.NewDate(2025, 11, 18), RetentionDays: 90}, time.Date(2026, 2, 15, 23, 0, 0, 0, time.UTC)},
		{"after the last task day", models.Election{ElectionDay: models.NewDate(2024, 6, 9), TasksUntil: &until, RetentionDays: 7},
			time.Date(2024, 6, 18, 22, 0, 0, 0, time.UTC)},
	} {
		if got := tc.e.RetentionDue(); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckAttendance(t *testing.T) {
	day := models.NewDate(2025, 11, 18)
	for _, tc := range []struct {
		from, to models.AssignmentState
		today    models.Date
		ok       bool
	}{
		{models.StateConfirmed, models.StateCompleted, day, true},
		{models.StateConfirmed, models.StateNoShow, day.AddDays(5), true},
		{models.StateCompleted, models.StateNoShow, day, true},
		{models.StateNoShow, models.StateNoShow, day, true},
		{models.StateConfirmed, models.StateCompleted, day.AddDays(-1), false},
		{models.StateNoShow, models.StateCompleted, day, true}, // nobody checked them in, yet they served
		{models.StateNoShow, models.StateCompleted, day.AddDays(-1), false},
		{models.StateInvited, models.StateCompleted, day, false},
		{models.StateDeclined, models.StateNoShow, day, false},
		{models.StateConfirmed, models.StateDeclined, day, false},
	} {
		if err := models.CheckAttendance(tc.from, tc.to, day, tc.today); (err == nil) != tc.ok {
			t.Errorf("%s → %s on %s: %v", tc.from, tc.to, tc.today, err)
		}
	}
}
