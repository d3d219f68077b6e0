package recruit_test

import (
	"go/build"
	"strings"
	"testing"
)

// Imports flow one way: web → recruit → workflows / store → models. The use
// cases never import the web app.
func TestRecruitDoesNotImportWeb(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if imp == "github.com/valghalla/valghalla/web" || strings.HasPrefix(imp, "github.com/valghalla/valghalla/web/") {
			t.Errorf("recruit imports %s", imp)
		}
	}
}
