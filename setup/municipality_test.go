package setup_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/store/storetest"
)

// The municipality's settings: an administrator saves them, audited with
// the names of the fields changed; anyone else is refused; a bad value is
// refused under its field and nothing is written. On SQLite and PostgreSQL.
func TestMunicipalitySettingsSaveAndRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		if err := db.Create(&models.Municipality{Code: "0999", Name: "Sønderå Kommune", CVR: "12345674", CreatedAt: t0}).Error; err != nil {
			t.Fatal(err)
		}
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		staff := models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&admin)
		db.Create(&staff)
		s := &setup.Service{DB: db, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return t0 }}

		good := models.MunicipalitySettings{Name: " Sønderå Kommune ", Code: " 607 ", CVR: "12345674",
			EmailSenderName: "Valgsekretariatet, Sønderå Kommune", DigitalPostSenderName: "Sønderå Kommune, Valg",
			SecretariatAddress: "Torvet 1, 9999 Sønderå", SecretariatPhone: "+45 72 10 00 00", SecretariatEmail: " Valg@Sondera.Example "}
		for _, u := range []models.User{staff, {Role: models.RoleReadOnly}, {Role: models.RolePartySecretary}} {
			if _, err := s.SaveMunicipality(ctx, u, good); !errors.Is(err, models.ErrForbidden) {
				t.Fatalf("%s saving: %v, want ErrForbidden", u.Role, err)
			}
		}
		before, err := s.Municipality(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for field, change := range map[string]func(*models.MunicipalitySettings){
			"name":                      func(in *models.MunicipalitySettings) { in.Name = "  " },
			"code":                      func(in *models.MunicipalitySettings) { in.Code = "861" },
			"cvr":                       func(in *models.MunicipalitySettings) { in.CVR = "12345678" },
			"email_sender_name":         func(in *models.MunicipalitySettings) { in.EmailSenderName = strings.Repeat("x", 101) },
			"digital_post_sender_name":  func(in *models.MunicipalitySettings) { in.DigitalPostSenderName = "to\nlinjer" },
			"secretariat_address":       func(in *models.MunicipalitySettings) { in.SecretariatAddress = strings.Repeat("å", 301) },
			"secretariat_phone":         func(in *models.MunicipalitySettings) { in.SecretariatPhone = "ring til Bo" },
			"secretariat_email":         func(in *models.MunicipalitySettings) { in.SecretariatEmail = "Bo <bo@x.example>" },
			"secretary_lookups_per_day": func(in *models.MunicipalitySettings) { in.SecretaryLookupsPerDay = "0" },
			"secretary_csv_rows":        func(in *models.MunicipalitySettings) { in.SecretaryCSVRows = "5001" },
		} {
			in := good
			change(&in)
			_, err := s.SaveMunicipality(ctx, admin, in)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[field] == nil || fe[field].Field != field {
				t.Errorf("bad %s: %v, want a refusal of that field only", field, err)
			}
		}
		if after, _ := s.Municipality(ctx); after.Settings() != before.Settings() {
			t.Fatalf("a refused save wrote: %+v", after)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditMunicipalityUpdated).Count(&n)
		if n != 0 {
			t.Fatalf("%d audit entries for refused saves", n)
		}

		m, err := s.SaveMunicipality(ctx, admin, good)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Municipality(ctx)
		want := models.Municipality{ID: before.ID, Code: "0607", Name: "Sønderå Kommune", CVR: "12345674",
			EmailSenderName: "Valgsekretariatet, Sønderå Kommune", DigitalPostSenderName: "Sønderå Kommune, Valg",
			SecretariatAddress: "Torvet 1, 9999 Sønderå", SecretariatPhone: "+45 72 10 00 00", SecretariatEmail: "valg@sondera.example",
			SecretaryLookupsPerDay: 200, SecretaryCSVRows: 500} // empty: the defaults
		got.CreatedAt, m.CreatedAt = time.Time{}, time.Time{}
		if got != want || m != want {
			t.Fatalf("saved %+v, returned %+v; want %+v", got, m, want)
		}
		if got.Settings().Code != "607" {
			t.Errorf("the form shows the code as %q", got.Settings().Code)
		}
		var entries []models.AuditEntry
		db.Where("action = ?", models.AuditMunicipalityUpdated).Find(&entries)
		if len(entries) != 1 || entries[0].ActorID == nil || *entries[0].ActorID != admin.ID ||
			entries[0].Detail != "municipality settings: code, email_sender_name, digital_post_sender_name, secretariat_address, secretariat_phone, secretariat_email" {
			t.Fatalf("audit: %+v", entries)
		}
		if strings.Contains(entries[0].Detail, "72 10") || strings.Contains(entries[0].Detail, "valg@") {
			t.Error("the audit detail holds the values")
		}
		// Saving the same again changes nothing and logs nothing.
		if _, err := s.SaveMunicipality(ctx, admin, good); err != nil {
			t.Fatal(err)
		}
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditMunicipalityUpdated).Count(&n)
		if n != 1 {
			t.Errorf("%d audit entries after an unchanged save, want 1", n)
		}
		// The seeds' fictitious code, kept as it is, is no reason to refuse
		// the rest; changed to another code outside 101–860 it is.
		db.Exec("UPDATE municipalities SET code = '0999'")
		demo := good
		demo.Code = "0999"
		if m, err := s.SaveMunicipality(ctx, admin, demo); err != nil || m.Code != "0999" {
			t.Fatalf("the seeds' code kept: %+v %v", m, err)
		}
		// As the form shows it (Settings drops the leading zero).
		demo.Code = models.Municipality{Code: "0999"}.Settings().Code
		if m, err := s.SaveMunicipality(ctx, admin, demo); err != nil || m.Code != "0999" {
			t.Fatalf("the seeds' code as the form shows it (%q) kept: %+v %v", demo.Code, m, err)
		}
		demo.Code = "0998"
		if _, err := s.SaveMunicipality(ctx, admin, demo); err == nil {
			t.Fatal("another code outside 101–860 was saved")
		}
	})
}
