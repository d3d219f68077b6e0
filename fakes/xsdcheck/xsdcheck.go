// Package xsdcheck validates XML documents against the services' own
// published schemas (../shared/xsd/, beside the repository) with libxml2's
// xmllint, for the conformance tests of the CPR and Digital Post clients
// and fakes. Where xmllint or the schemas are missing a test skips and says
// so; CI installs libxml2-utils, so there it always runs.
package xsdcheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the folder of the published schemas, ../shared/xsd relative to
// the repository (found from this file), or "" when it is not there.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// fakes/xsdcheck/xsdcheck.go → repository → its parent.
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "xsd")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// Schema returns the path of schema (relative to Dir, e.g.
// "memo/MeMo_core.xsd"), skipping t when the schemas or xmllint are
// missing.
func Schema(t testing.TB, schema string) string {
	t.Helper()
	dir := Dir()
	if dir == "" {
		t.Skip("the published schemas (../shared/xsd) are not beside the repository: conformance not checked")
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint is not installed (Debian: libxml2-utils): conformance not checked")
	}
	path := filepath.Join(dir, schema)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	return path
}

// Validate checks doc against the schema at path (from Schema): nil when
// it is valid, else xmllint's complaint.
func Validate(path string, doc []byte) error {
	cmd := exec.Command("xmllint", "--noout", "--nonet", "--schema", path, "-")
	cmd.Stdin = bytes.NewReader(doc)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(path), err, out.String())
	}
	return nil
}

// Valid fails t unless doc is valid against schema (relative to Dir).
func Valid(t testing.TB, schema string, doc []byte) {
	t.Helper()
	if err := Validate(Schema(t, schema), doc); err != nil {
		t.Errorf("not valid against the published schema: %v\n%s", err, doc)
	}
}
