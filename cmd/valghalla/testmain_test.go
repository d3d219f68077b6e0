package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// faultChildEnv, when set in the environment, turns the test binary into the
// production binary running that command (`worker`): the fault tests start
// it as a separate OS process so that SIGKILL is real.
const faultChildEnv = "VALGHALLA_FAULT_CHILD"

func TestMain(m *testing.M) {
	if cmd := os.Getenv(faultChildEnv); cmd != "" {
		os.Exit(runFaultChild(cmd))
	}
	os.Exit(m.Run())
}

// runFaultChild runs cmd as `valghalla <cmd>` does. The parent holds the
// write end of our stdin: when it goes away (the test ends, or the test
// binary dies) stdin reaches EOF and the child stops, so no orphan worker
// outlives its test.
func runFaultChild(cmd string) int {
	// SIGTERM stops the command gracefully, as it does the binary.
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return run(ctx, []string{cmd}, os.Getenv, os.Stdout, os.Stderr)
}
