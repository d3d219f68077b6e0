package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/store"
)

// setupFlags are setup's flags, by the field names of setup.InstallInput
// that a refusal names.
var setupFlags = []struct{ field, flag, help string }{
	{"municipality_name", "municipality-name", `the municipality's name, e.g. "Sønderå Kommune"`},
	{"municipality_code", "municipality-code", "its kommunekode, three digits from 101 to 860, e.g. 607"},
	{"cvr", "cvr", "its CVR number, 8 digits"},
	{"admin_email", "admin-email", "e-mail address of the first administrator"},
	{"admin_name", "admin-name", "name of the first administrator"},
}

// runSetup sets up a migrated, empty database: the municipality and its
// first administrator, in one transaction, and prints the administrator's
// one-time account link (the link of the account e-mail, valid 7 days).
// It speaks English, like the other commands.
//
//	valghalla setup --municipality-name "Sønderå Kommune" --municipality-code 607 \
//	  --cvr 12345674 --admin-email it@sondera.example --admin-name "Mette Fiktiv"
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("valghalla setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := map[string]*string{}
	for _, f := range setupFlags {
		values[f.field] = fs.String(f.flag, "", f.help)
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "valghalla setup: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	in := setup.InstallInput{
		MunicipalityName: *values["municipality_name"], MunicipalityCode: *values["municipality_code"],
		CVR: *values["cvr"], AdminEmail: *values["admin_email"], AdminName: *values["admin_name"],
	}
	// Bad values are refused before the database is opened: nothing is written.
	clean, err := setup.CheckInstall(in)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla setup: %s\n", setupRefusal(err, values))
		return exitUsage
	}
	cfg, err := loadConfig(getenv, nil, nil, false)
	if err == nil {
		// The link it prints is sent to the administrator.
		err = cfg.checkBaseURL()
	}
	if err != nil {
		fmt.Fprintf(stderr, "valghalla setup: %v\n", err)
		return exitUsage
	}
	log := cfg.logger(stderr)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla setup: %v\n", err)
		return exitFailure
	}
	defer store.Close(db)
	now := time.Now().UTC()
	svc := &setup.Service{DB: db, Log: log, Now: func() time.Time { return now }}
	token, err := svc.Install(ctx, in)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla setup: %s\n", setupRefusal(err, values))
		if ue, ok := models.AsUserError(err); ok && ue.Field != "" {
			return exitUsage
		}
		return exitFailure
	}
	fmt.Fprintf(stdout, "Set up %s (kommunekode %s, CVR %s) with its first administrator, %s <%s>.\n",
		clean.MunicipalityName, clean.MunicipalityCode, clean.CVR, clean.AdminName, clean.AdminEmail)
	fmt.Fprintf(stdout, "Give the administrator this one-time link to choose a password; it works once, until %s:\n%s\n",
		now.Add(store.AccountLinkValidity).Format("2006-01-02 15:04 MST"), models.AccountLinkURL(cfg.BaseURL, token))
	return exitOK
}

// setupRefusal is err as a sentence in English: a keyed refusal of a field
// names its flag and the value given, anything else is the error's text.
func setupRefusal(err error, values map[string]*string) string {
	ue, ok := models.AsUserError(err)
	if !ok {
		return err.Error()
	}
	text := locale.Error(locale.English, ue)
	for _, f := range setupFlags {
		if f.field != ue.Field {
			continue
		}
		v := *values[f.field]
		if strings.TrimSpace(v) == "" {
			return fmt.Sprintf("--%s is missing: %s", f.flag, text)
		}
		return fmt.Sprintf("--%s %q: %s", f.flag, v, text)
	}
	return text
}
