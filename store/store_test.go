package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

var ctx = context.Background()

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url     string
		dialect store.Dialect
		err     string
	}{
		{"postgres://u@h:5432/db?sslmode=disable", store.Postgres, ""},
		{"postgresql://u@h/db", store.Postgres, ""},
		{"sqlite:/tmp/x.db", store.SQLite, ""},
		{"sqlite:///tmp/x.db", store.SQLite, ""},
		{"", "", "no database URL"},
		{"sqlite:", "", "names no file"},
		{"mysql://u@h/db", "", "must start with"},
	} {
		d, dsn, err := store.ParseURL(c.url)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%q) error = %v, want %q", c.url, err, c.err)
			}
			continue
		}
		if err != nil || d != c.dialect {
			t.Errorf("ParseURL(%q) = %v, %v", c.url, d, err)
		}
		if d == store.SQLite && (!strings.HasPrefix(dsn, "file:/tmp/x.db?") || !strings.Contains(dsn, "journal_mode%28WAL%29")) {
			t.Errorf("SQLite DSN %q lacks the file or WAL", dsn)
		}
	}
}

func TestMigrateIsIdempotentAndMatchesTheModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := store.Migrate(ctx, db, nil); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		v, err := store.SchemaVersion(ctx, db)
		if err != nil || v != store.LatestVersion() {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, store.LatestVersion())
		}
		// Every field of every model has its column: the hand-written SQL
		// and the structs cannot drift apart unnoticed.
		for _, m := range []any{&models.Municipality{}, &models.Area{}, &models.PollingStation{}, &models.Party{},
			&models.TaskType{}, &models.Election{}, &models.User{}, &models.SystemCheck{}, &models.Session{}, &models.LoginAttempt{},
			&models.Participant{}, &models.PartyMembership{}, &models.AuditEntry{}, &models.AccountToken{}, &models.UserTOTP{},
			&models.UserStation{}, &models.SecretaryRequest{}, &models.SecretaryRequestStation{}, &models.APIToken{}, &models.PasswordReset{},
			&models.VolunteerLoginLink{}, &models.VolunteerSession{}, &models.DeletionRequest{}} {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(m); err != nil {
				t.Fatal(err)
			}
			if !db.Migrator().HasTable(m) {
				t.Errorf("table %s is missing", stmt.Schema.Table)
				continue
			}
			for _, f := range stmt.Schema.Fields {
				if f.DBName != "" && !db.Migrator().HasColumn(m, f.DBName) {
					t.Errorf("column %s.%s is missing", stmt.Schema.Table, f.DBName)
				}
			}
		}
	})
}

// An existing database is upgraded in place: rows written under an older
// schema are still there after the newer migrations run.
func TestMigrateUpgradesInPlaceWithoutLosingData(t *testing.T) {
	for name, rawURL := range map[string]func(testing.TB) string{
		"sqlite": storetest.SQLiteURL, "postgres": storetest.PostgresDatabaseURL,
	} {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, rawURL(t))
			if err := store.MigrateTo(ctx, db, nil, 1); err != nil {
				t.Fatal(err)
			}
			if err := db.Create(&models.Area{Name: "Midtby"}).Error; err != nil {
				t.Fatal(err)
			}
			if db.Migrator().HasTable("system_checks") {
				t.Fatal("version 1 already has system_checks")
			}
			if err := store.Migrate(ctx, db, nil); err != nil {
				t.Fatal(err)
			}
			var areas []models.Area
			if err := db.Find(&areas).Error; err != nil || len(areas) != 1 || areas[0].Name != "Midtby" {
				t.Fatalf("after upgrade: %v, %v", areas, err)
			}
			if !db.Migrator().HasTable("system_checks") {
				t.Fatal("upgrade did not add system_checks")
			}
		})
	}
}

// web and migrate may start together in production: concurrent migrators
// must neither fail nor apply a migration twice.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	rawURL := storetest.PostgresDatabaseURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := storetest.Open(t, rawURL)
			errs <- store.Migrate(ctx, db, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db := storetest.Open(t, rawURL)
	var n int64
	db.Raw("SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	if n != int64(store.MigrationCount()) {
		t.Fatalf("%d migrations recorded, want %d", n, store.MigrationCount())
	}
}

func TestSeedDemoOnceWithRealisticData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
		seeded, err := store.SeedDemo(ctx, db, now)
		if err != nil || !seeded {
			t.Fatalf("SeedDemo = %v, %v", seeded, err)
		}
		seeded, err = store.SeedDemo(ctx, db, now)
		if err != nil || seeded {
			t.Fatalf("second SeedDemo = %v, %v; want no reseed", seeded, err)
		}
		var stations []models.PollingStation
		db.Order("district").Find(&stations)
		if len(stations) < 6 {
			t.Fatalf("%d polling stations, want at least 6", len(stations))
		}
		for _, s := range stations {
			if s.Address == "" || s.PostalCode == "" || s.District == 0 || s.AreaID == 0 {
				t.Errorf("incomplete station %+v", s)
			}
		}
		var seats int
		db.Model(&models.Party{}).Where("kind = ?", models.CouncilGroup).Select("SUM(council_seats)").Scan(&seats)
		if seats != 31 {
			t.Errorf("council has %d seats, want 31", seats)
		}
		var e models.Election
		if err := db.First(&e).Error; err != nil {
			t.Fatal(err)
		}
		if e.ElectionDay != models.NewDate(2027, time.January, 19) || e.State != models.ElectionActive {
			t.Errorf("election %+v; want active on Tuesday 2027-01-19", e)
		}
		var u models.User
		if err := db.Where("email = ?", store.DemoEmail).First(&u).Error; err != nil {
			t.Fatal(err)
		}
		if ok, _ := models.VerifyPassword(u.PasswordHash, store.DemoPassword); !ok || u.Role != models.RoleAdmin {
			t.Errorf("demo login does not verify or is not admin: %+v", u)
		}
	})
}

// The schema refuses rows the domain forbids, whatever the code above it does.
func TestSchemaConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		if err := db.Create(&models.User{Email: "p@x.example", Name: "P", Role: models.RolePartySecretary, CreatedAt: now}).Error; !errors.Is(err, gorm.ErrCheckConstraintViolated) {
			t.Errorf("a party secretary without a party: %v", err)
		}
		if err := db.Create(&models.PollingStation{AreaID: 999, Name: "X", Address: "a", PostalCode: "1", City: "c", District: 1}).Error; !errors.Is(err, gorm.ErrForeignKeyViolated) {
			t.Errorf("a station in a missing area: %v", err)
		}
		if err := db.Create(&models.Election{Title: "X", Kind: "XX", ElectionDay: models.NewDate(2027, 1, 1), State: models.ElectionDraft,
			CreatedAt: now, UpdatedAt: now}).Error; !errors.Is(err, gorm.ErrCheckConstraintViolated) {
			t.Errorf("an election of unknown kind: %v", err)
		}
		if err := db.Create(&models.Area{Name: "Nord"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&models.Area{Name: "Nord"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Errorf("two areas with one name: %v", err)
		}
	})
}

func TestDateSurvivesBothDatabases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		day := models.NewDate(2024, time.June, 9)
		e := models.Election{Title: "EP 2024", Kind: models.EuropaParlamentsvalg, ElectionDay: day, State: models.ElectionClosed, AnswerDays: 14,
			CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := db.Create(&e).Error; err != nil {
			t.Fatal(err)
		}
		var got models.Election
		if err := db.First(&got, e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got.ElectionDay != day {
			t.Errorf("election day came back as %v, want %v", got.ElectionDay, day)
		}
		var n int64
		db.Model(&models.Election{}).Where("election_day < ?", models.NewDate(2024, time.June, 10)).Count(&n)
		if n != 1 {
			t.Errorf("date comparison found %d rows, want 1", n)
		}
	})
}

// Branches may each add a version while they are apart, but what is merged
// numbers its migrations 1, 2, 3 … with no gap and no repeat: a gap would
// be a migration that some database never ran.
func TestMigrationVersionsCountUpWithoutAGap(t *testing.T) {
	for i, v := range store.MigrationVersions() {
		if v != i+1 {
			t.Fatalf("migration %d has version %d, want %d", i+1, v, i+1)
		}
	}
	if store.LatestVersion() != store.MigrationCount() {
		t.Fatalf("latest version %d, %d migrations", store.LatestVersion(), store.MigrationCount())
	}
}
