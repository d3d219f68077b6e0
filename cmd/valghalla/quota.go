package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/valghalla/valghalla/models"
)

// runQuota prints the d'Hondt distribution of --seats slots over the named
// council groups as JSON, for operators and scripts:
//
//	valghalla quota --seats 40 --seed 7 A=11 V=8 F=4 Ø=3 C=3 O=2
func runQuota(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("valghalla quota", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seats := fs.Int("seats", -1, "number of slots to distribute")
	seed := fs.Uint64("seed", 0, "seed of the lot that settles equal quotients (recorded, reproducible)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *seats < 0 || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: valghalla quota --seats N [--seed S] NAME=SEATS ...")
		return exitUsage
	}
	var contenders []models.Contender
	for _, a := range fs.Args() {
		name, n, ok := strings.Cut(a, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			fmt.Fprintf(stderr, "valghalla quota: %q is not NAME=SEATS\n", a)
			return exitUsage
		}
		contenders = append(contenders, models.Contender{Name: name, Seats: v})
	}
	alloc, err := models.DHondt(*seats, contenders, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "valghalla quota: %v\n", err)
		return exitUsage
	}
	if err := json.NewEncoder(stdout).Encode(alloc); err != nil {
		return exitFailure
	}
	return exitOK
}
