package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/store"
)

// runAccountLink prints a new one-time account link for a login, as
// setup does for the first administrator: the way back in when that link
// expired unused (nobody can log in to send another) or the last
// administrator is locked out. The earlier links of the login die.
//
//	valghalla account-link --email it@sondera.example
func runAccountLink(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("valghalla account-link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "e-mail address of the login")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 || *email == "" {
		fmt.Fprintln(stderr, "valghalla account-link: give --email of the login and nothing else")
		return exitUsage
	}
	cfg, err := loadConfig(getenv, nil, nil, false)
	if err == nil {
		err = cfg.checkBaseURL()
	}
	if err != nil {
		fmt.Fprintf(stderr, "valghalla account-link: %v\n", err)
		return exitUsage
	}
	log := cfg.logger(stderr)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla account-link: %v\n", err)
		return exitFailure
	}
	defer store.Close(db)
	now := time.Now().UTC()
	svc := &setup.Service{DB: db, Log: log, Now: func() time.Time { return now }}
	u, token, err := svc.OperatorAccountLink(ctx, *email)
	switch {
	case errors.Is(err, models.ErrNotFound):
		fmt.Fprintf(stderr, "valghalla account-link: no active login has the e-mail address %q\n", *email)
		return exitFailure
	case err != nil:
		fmt.Fprintf(stderr, "valghalla account-link: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "Give %s <%s> this one-time link to choose a password; it works once, until %s (earlier links no longer work):\n%s\n",
		u.Name, u.Email, now.Add(store.AccountLinkValidity).Format("2006-01-02 15:04 MST"), models.AccountLinkURL(cfg.BaseURL, token))
	return exitOK
}
