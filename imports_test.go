// The layering of the product, kept by a test: imports flow one way,
//
//	web → use cases (recruit, accounts, setup, people, messaging, signup) → workflows / store → models
//
// activities reach the providers' real clients; the providers' fakes are for
// dev, tests and the bench only; metrics imports nothing of the product and
// every layer may import it; the embedded Temporal server is linked by
// cmd/valghalla (and the bench it runs) alone. Test files may reach further
// (a web test seeds the database through store), so only the package's own
// files are read. store may import workflows/payload, the leaf that builds
// workflow ids: it writes them into the rows it inserts.
package valghalla_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/valghalla/valghalla/"

// A layer rule: packages under from may not import anything under one of
// forbidden ("gorm.io/gorm" is matched as a prefix too).
type layerRule struct {
	from      string
	forbidden []string
	why       string
	// except are packages inside a forbidden layer that from may import.
	except []string
}

// useCases are the use-case layer: one package per area, side by side.
var useCases = []string{"recruit", "accounts", "setup", "people", "messaging", "signup", "selfservice", "mitid", "electionday", "usecases"}

var product = append([]string{"web", "workflows", "activities", "worker", "store", "providers", "fakes", "devserver", "bench", "cmd", "vault", "locale"}, useCases...)

var layerRules = append([]layerRule{
	{"models", product, "models holds the domain rules and imports nothing of the product", nil},
	// metrics is not in product: every layer may count into it.
	{"metrics", append(slices.Clone(product), "models"), "the metrics registry imports nothing of the product, so everything may import it", nil},
	{"locale", without(product, "locale"), "the catalogs need models' keyed errors only", nil},
	{"vault", without(product, "vault"), "encryption knows nothing of the product above models", nil},
	{"store", append([]string{"web", "workflows", "activities", "worker", "providers", "fakes", "devserver", "bench", "cmd", "locale"}, useCases...), "persistence only", []string{"workflows/payload"}},
	{"providers", append([]string{"web", "workflows", "activities", "worker", "store", "fakes", "devserver", "bench", "cmd", "locale"}, useCases...), "a provider client talks to its service and nothing else", nil},
	{"fakes", append([]string{"web", "workflows", "activities", "worker", "store", "devserver", "bench", "cmd", "locale"}, useCases...), "a fake plays the outside world", nil},
	{"activities", append([]string{"web", "worker", "fakes", "devserver", "bench", "cmd", "locale"}, useCases...), "activities are called by workflows", nil},
	{"workflows", append([]string{"web", "worker", "providers", "fakes", "devserver", "bench", "cmd", "locale"}, useCases...), "workflows are deterministic and know ids and activities only", nil},
	{"worker", append([]string{"web", "fakes", "devserver", "bench", "cmd", "locale"}, useCases...), "the worker hosts workflows and activities", nil},
	{"web", []string{"gorm.io/gorm", "go.temporal.io", "store", "workflows", "vault", "providers", "activities", "fakes", "worker", "devserver", "bench", "cmd"}, "a handler parses, authorises, calls one use case and renders", nil},
	{"web/site", []string{"web/ui", "web/api"}, "what pages and API share knows neither", nil},
	{"web/ui", []string{"web/api"}, "pages and API stand apart", nil},
	{"web/api", []string{"web/ui"}, "pages and API stand apart", nil},
}, useCaseRules()...)

// useCaseRules: a use case serves the web and does not know it, nor the
// worker that runs its workflows.
func useCaseRules() []layerRule {
	var rules []layerRule
	for _, u := range useCases {
		rules = append(rules, layerRule{u, []string{"web", "worker", "fakes", "devserver", "bench", "cmd"}, "use cases serve the web; they do not know it", nil})
	}
	return rules
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

func TestImportsFlowOneWay(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			for _, rule := range layerRules {
				if !under(pkg, rule.from) || slices.ContainsFunc(rule.except, func(ok string) bool { return forbids(ok, imp) }) {
					continue
				}
				for _, bad := range rule.forbidden {
					if !forbids(bad, imp) {
						continue
					}
					t.Errorf("%s imports %s: %s", filepath.ToSlash(path), imp, rule.why)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// under tells whether package dir pkg is layer or inside it.
func under(pkg, layer string) bool { return pkg == layer || strings.HasPrefix(pkg, layer+"/") }

// forbids tells whether import path imp falls under bad: a product layer
// ("store", "providers") or an outside module ("gorm.io/gorm").
func forbids(bad, imp string) bool {
	if strings.Contains(bad, ".") {
		return imp == bad || strings.HasPrefix(imp, bad+"/")
	}
	rel, ok := strings.CutPrefix(imp, module)
	return ok && under(rel, bad)
}

// The rule is checked on a case it must catch, so it cannot pass vacuously.
func TestImportRuleCatchesAViolation(t *testing.T) {
	if !forbids("store", module+"store/storetest") || !forbids("gorm.io/gorm", "gorm.io/gorm/clause") {
		t.Fatal("forbids misses an import under a forbidden layer")
	}
	if forbids("store", module+"storefront") || forbids("web", "github.com/other/web") {
		t.Fatal("forbids matches a name that only starts alike")
	}
}
