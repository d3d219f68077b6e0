package web_test

import (
	"go/build"
	"strings"
	"testing"
)

// Imports flow one way: web → recruit → workflows / store → models. Web
// reaches the CPR register, the SMS provider and the activities only
// through the use cases (recruit).
func TestWebImportsNoProviderClientNorActivity(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		for _, banned := range []string{"github.com/valghalla/valghalla/activities", "github.com/valghalla/valghalla/providers"} {
			if imp == banned || strings.HasPrefix(imp, banned+"/") {
				t.Errorf("web imports %s", imp)
			}
		}
	}
}
