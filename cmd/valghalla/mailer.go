package main

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/providers/mail"
)

// mailer returns the worker's e-mail sender, or nil when SMTP_HOST is empty
// (invitations then fail with a clear, non-retried error).
func (c config) mailer() (activities.Mailer, error) {
	if c.SMTPHost == "" {
		return nil, nil
	}
	s, err := mail.NewSender(mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
		Password: c.SMTPPassword, From: c.SMTPFrom, FromName: c.SMTPFromName, TLS: mail.TLSMode(c.SMTPTLS)})
	if err != nil {
		return nil, fmt.Errorf("SMTP settings: %w", err)
	}
	return s, nil
}

// startDevMail starts the in-process SMTP server `dev` sends to, and points
// the configuration at it, unless SMTP_HOST names a real one.
func startDevMail(cfg config, log *slog.Logger) (config, *mailfake.Server, error) {
	if cfg.SMTPHost != "" {
		return cfg, nil, nil
	}
	srv, err := mailfake.Start("127.0.0.1:0")
	if err != nil {
		return cfg, nil, fmt.Errorf("start the dev SMTP server: %w", err)
	}
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = srv.Host(), srv.Port(), string(mail.TLSNone)
	log.Debug("dev SMTP server listening", "addr", srv.Addr())
	return cfg, srv, nil
}

func parsePort(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("not a port number")
	}
	return p, nil
}
