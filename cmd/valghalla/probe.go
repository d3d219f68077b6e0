package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runProbe is the container health check: exit 0 when GET url answers 2xx
// within a few seconds. The production image has no shell or curl.
func runProbe(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: valghalla probe URL")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla probe: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla probe: %v\n", err)
		return exitFailure
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "valghalla probe: %s answered %s\n", args[0], resp.Status)
		return exitFailure
	}
	return exitOK
}
