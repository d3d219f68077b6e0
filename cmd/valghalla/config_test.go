package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsAndEnvironment(t *testing.T) {
	c, err := loadConfig(func(string) string { return "" }, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalAddress != "127.0.0.1:7233" || c.TemporalNamespace != "valghalla" || c.ListenAddr != "127.0.0.1:8080" ||
		c.Retention != 180*24*time.Hour || c.LogFormat != "json" || c.LogLevel != slog.LevelInfo || c.DatabaseURL != "" {
		t.Errorf("defaults: %+v", c)
	}
	env := map[string]string{"TEMPORAL_RETENTION": "30d", "LOG_LEVEL": "debug", "BASE_URL": "https://valg.example/"}
	c, err = loadConfig(func(k string) string { return env[k] }, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention != 30*24*time.Hour || c.LogLevel != slog.LevelDebug || c.BaseURL != "https://valg.example" ||
		c.LogFormat != "text" || !strings.HasSuffix(c.DatabaseURL, "/data/valghalla.db") {
		t.Errorf("from environment, dev: %+v", c)
	}
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LOG_LEVEL": "loud"}, []string{"migrate"}, `LOG_LEVEL="loud"`},
		{map[string]string{"TEMPORAL_RETENTION": "2h"}, []string{"migrate"}, "at least one day"},
		{map[string]string{"LISTEN_ADDR": "8080"}, []string{"web"}, "must be host:port"},
		{map[string]string{"LOG_FORMAT": "xml"}, []string{"web"}, "json or text"},
		{nil, []string{"dev", "--listen", "nowhere"}, "--listen"},
		{nil, []string{"dev", "extra"}, `unexpected argument "extra"`},
		{nil, []string{"fly"}, `unknown command "fly"`},
		{nil, nil, "Usage: valghalla"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want %d and %q", c.env, c.args, code, stderr.String(), exitUsage, c.want)
		}
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"help"}, func(string) string { return "" }, &stdout, &stdout); code != 0 {
		t.Fatal(code)
	}
	for _, s := range settings {
		if !strings.Contains(stdout.String(), s.env) {
			t.Errorf("help does not list %s", s.env)
		}
	}
}
