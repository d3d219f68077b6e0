package store_test

import (
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestTaskTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		tt, err := store.SaveTaskType(ctx, db, p.admin, models.TaskType{Name: "Optæller", ShortName: "OT", StartTime: "18:00",
			EndTime: "23:59", AllowanceKr: 0, Validation: true, Reminders: true})
		if err != nil || tt.Version != 1 {
			t.Fatalf("create: %+v %v", tt, err)
		}
		var ue *models.UserError
		for _, bad := range []models.TaskType{
			{Name: "X", ShortName: "X", StartTime: "7:00", EndTime: "23:59"},
			{Name: "X", ShortName: "X", StartTime: "18:00", EndTime: "17:00"},
			{Name: "X", ShortName: "X", StartTime: "08:00", EndTime: "16:00", AllowanceKr: -1},
			{Name: "Tilforordnet", ShortName: "T", StartTime: "08:00", EndTime: "16:00"},
			{Name: "", ShortName: "X", StartTime: "08:00", EndTime: "16:00"},
		} {
			if _, err := store.SaveTaskType(ctx, db, p.admin, bad); !errors.As(err, &ue) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := store.SaveTaskType(ctx, db, p.secA, tt); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a party secretary: %v", err)
		}
		edit := tt
		edit.AllowanceKr = 800
		if tt2, err := store.SaveTaskType(ctx, db, p.admin, edit); err != nil || tt2.Version != 2 {
			t.Fatalf("edit: %+v %v", tt2, err)
		}
		if _, err := store.SaveTaskType(ctx, db, p.admin, edit); !errors.Is(err, models.ErrStale) {
			t.Fatalf("edit on the old version: %v", err)
		}
		var got models.TaskType
		db.First(&got, tt.ID)
		if got.AllowanceKr != 800 || !got.Reminders {
			t.Errorf("stored %+v", got)
		}
	})
}
