package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestSetupCommandOnSQLite(t *testing.T) {
	testSetupCommand(t, storetest.SQLiteURL(t))
}

func TestSetupCommandOnPostgres(t *testing.T) {
	testSetupCommand(t, storetest.PostgresDatabaseURL(t))
}

// setupArgs are good flags of `valghalla setup`; a case replaces or drops one.
func setupArgs(replace map[string]string) []string {
	args := []string{"setup"}
	for _, f := range []struct{ flag, value string }{
		{"--municipality-name", "Sønderå Kommune"},
		{"--municipality-code", "607"},
		{"--cvr", "12345674"},
		{"--admin-email", " It@Sondera.example "},
		{"--admin-name", "Mette Fiktiv"},
	} {
		v, ok := replace[f.flag]
		if !ok {
			v = f.value
		} else if v == "(none)" {
			continue
		}
		args = append(args, f.flag, v)
	}
	return args
}

func testSetupCommand(t *testing.T, dbURL string) {
	env := map[string]string{
		"DATABASE_URL":              dbURL,
		"VALGHALLA_ENCRYPTION_KEYS": testKeys.enc,
		"VALGHALLA_BLIND_INDEX_KEY": testKeys.blind,
		"BASE_URL":                  "https://valg.sondera.example/",
		"LOG_LEVEL":                 "warn",
	}
	cmd := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	// Before migrate: refused, with the step to take.
	if code, _, stderr := cmd(setupArgs(nil)...); code != exitFailure || !strings.Contains(stderr, "run valghalla migrate") {
		t.Fatalf("setup before migrate: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cmd("migrate"); code != 0 {
		t.Fatalf("migrate: exit %d, %s", code, stderr)
	}
	db := storetest.Open(t, dbURL)
	rows := func() (municipalities, users, links int64) {
		t.Helper()
		for table, n := range map[string]*int64{"municipalities": &municipalities, "users": &users, "account_tokens": &links} {
			if err := db.Table(table).Count(n).Error; err != nil {
				t.Fatal(err)
			}
		}
		return
	}

	// Each bad value: a sentence naming its flag, a non-zero exit, nothing written.
	for _, c := range []struct {
		replace map[string]string
		want    string
	}{
		{map[string]string{"--municipality-name": "(none)"}, "--municipality-name is missing: Enter the municipality's name."},
		{map[string]string{"--municipality-name": "  "}, "--municipality-name is missing"},
		{map[string]string{"--municipality-code": "(none)"}, "--municipality-code is missing: The municipality code (kommunekode) must be three digits from 101 to 860"},
		{map[string]string{"--municipality-code": "100"}, `--municipality-code "100": The municipality code`},
		{map[string]string{"--municipality-code": "861"}, `--municipality-code "861": The municipality code`},
		{map[string]string{"--municipality-code": "6o7"}, `--municipality-code "6o7": The municipality code`},
		{map[string]string{"--municipality-code": "Sønderå"}, `--municipality-code "Sønderå"`},
		{map[string]string{"--cvr": "(none)"}, "--cvr is missing: The CVR number must be 8 digits"},
		{map[string]string{"--cvr": "1234567"}, `--cvr "1234567": The CVR number must be 8 digits that pass CVR's modulus-11 check.`},
		{map[string]string{"--cvr": "123456740"}, `--cvr "123456740"`},
		{map[string]string{"--cvr": "12345678"}, `--cvr "12345678": The CVR number`}, // checksum
		{map[string]string{"--cvr": "1234567a"}, `--cvr "1234567a"`},
		{map[string]string{"--admin-email": "(none)"}, "--admin-email is missing: Enter a valid e-mail address."},
		{map[string]string{"--admin-email": "ikke en adresse"}, `--admin-email "ikke en adresse": Enter a valid e-mail address.`},
		{map[string]string{"--admin-email": "it@"}, `--admin-email "it@"`},
		{map[string]string{"--admin-name": "(none)"}, "--admin-name is missing: Enter the person's name."},
		{map[string]string{"--admin-name": " "}, "--admin-name is missing"},
	} {
		code, stdout, stderr := cmd(setupArgs(c.replace)...)
		if code == 0 || !strings.Contains(stderr, "valghalla setup: "+c.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want non-zero and %q", c.replace, code, stdout, stderr, c.want)
		}
		if m, u, l := rows(); m+u+l != 0 {
			t.Fatalf("%v wrote %d municipalities, %d users, %d links", c.replace, m, u, l)
		}
	}
	if code, _, stderr := cmd(append(setupArgs(nil), "--role", "admin")...); code != exitUsage || !strings.Contains(stderr, "-role") {
		t.Errorf("an unknown flag: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cmd(append(setupArgs(nil), "extra")...); code != exitUsage || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("an extra argument: exit %d, %s", code, stderr)
	}

	// On the empty database: the municipality, its administrator and the link.
	started := time.Now()
	code, stdout, stderr := cmd(setupArgs(nil)...)
	if code != 0 {
		t.Fatalf("setup: exit %d\n%s%s", code, stdout, stderr)
	}
	link := regexp.MustCompile(`(?m)^https://valg\.sondera\.example/konto/aktiver/([A-Za-z0-9_-]+)$`).FindStringSubmatch(stdout)
	if link == nil || !strings.Contains(stdout, "Set up Sønderå Kommune (kommunekode 0607, CVR 12345674)") ||
		!strings.Contains(stdout, "Mette Fiktiv <it@sondera.example>") {
		t.Fatalf("setup printed:\n%s", stdout)
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil || m.Code != "0607" || m.Name != "Sønderå Kommune" || m.CVR != "12345674" {
		t.Fatalf("municipality %+v, %v", m, err)
	}
	ctx := context.Background()
	u, err := store.CheckAccountLink(ctx, db, link[1], time.Now())
	if err != nil || u.Email != "it@sondera.example" || u.Name != "Mette Fiktiv" || u.Role != models.RoleAdmin || u.PasswordHash != "" {
		t.Fatalf("the printed link: %+v, %v", u, err)
	}
	// The account e-mail's link: valid seven days, not a moment longer.
	if _, err := store.CheckAccountLink(ctx, db, link[1], started.Add(store.AccountLinkValidity-time.Minute)); err != nil {
		t.Errorf("the link within 7 days: %v", err)
	}
	if _, err := store.CheckAccountLink(ctx, db, link[1], time.Now().Add(store.AccountLinkValidity+time.Second)); err != store.ErrLinkExpired {
		t.Errorf("the link after 7 days: %v", err)
	}
	if mun, users, links := rows(); mun != 1 || users != 1 || links != 1 {
		t.Fatalf("after setup: %d municipalities, %d users, %d links", mun, users, links)
	}

	// A second run changes nothing and says why, whatever it is given.
	for _, replace := range []map[string]string{nil, {"--municipality-name": "Anden Kommune", "--admin-email": "ny@sondera.example"}} {
		code, stdout, stderr = cmd(setupArgs(replace)...)
		if code != exitFailure || stdout != "" ||
			!strings.Contains(stderr, "valghalla setup: The database already has a municipality (Sønderå Kommune): setup has changed nothing.") {
			t.Errorf("second setup %v: exit %d\n%s%s", replace, code, stdout, stderr)
		}
	}
	if mun, users, links := rows(); mun != 1 || users != 1 || links != 1 {
		t.Errorf("after a second setup: %d municipalities, %d users, %d links", mun, users, links)
	}
	var after models.Municipality
	db.First(&after)
	if after != m {
		t.Errorf("municipality changed: %+v, was %+v", after, m)
	}
	if _, err := store.CheckAccountLink(ctx, db, link[1], time.Now()); err != nil {
		t.Errorf("the first link after a second setup: %v", err)
	}

	// The first link lost: an operator prints a new one, and the old dies.
	if code, _, stderr := cmd("account-link", "--email", "ingen@sondera.example"); code != exitFailure || !strings.Contains(stderr, `no active login has the e-mail address "ingen@sondera.example"`) {
		t.Errorf("account-link for an unknown address: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cmd("account-link"); code != exitUsage || !strings.Contains(stderr, "give --email") {
		t.Errorf("account-link without --email: exit %d, %s", code, stderr)
	}
	code, stdout, stderr = cmd("account-link", "--email", "IT@sondera.example")
	again := regexp.MustCompile(`(?m)^https://valg\.sondera\.example/konto/aktiver/([A-Za-z0-9_-]+)$`).FindStringSubmatch(stdout)
	if code != 0 || again == nil || !strings.Contains(stdout, "Mette Fiktiv <it@sondera.example>") {
		t.Fatalf("account-link: exit %d\n%s%s", code, stdout, stderr)
	}
	if u, err := store.CheckAccountLink(ctx, db, again[1], time.Now()); err != nil || u.Email != "it@sondera.example" {
		t.Errorf("the new link: %+v %v", u, err)
	}
	if _, err := store.CheckAccountLink(ctx, db, link[1], time.Now()); err == nil {
		t.Error("the first link still works after account-link")
	}
	var audited int64
	db.Model(&models.AuditEntry{}).Where("action = ? AND actor_id IS NULL", models.AuditAccountLinkSent).Count(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries of the operator's link, want 1", audited)
	}
}
