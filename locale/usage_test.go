package locale

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The product's sources, scanned for the keys they use: every Go file
// outside tests and every page template, from the repository's root.
var (
	// A literal shaped like a key: "plan.title", "error.cpr.empty".
	keyLiteral = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_:-]+)*)"`)
	// A key built from a prefix: printf "state.%s", print "role." .Role,
	// "overview.reason." + string(r).
	keyPrefix = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_:-]+)*\.)(?:%[sdv])?"`)
	// The calls that take a key, whose key must exist: T "key" in a
	// template; T("key"…), Text(l, "key"…), Refuse("key"…),
	// RefuseField(field, "key"…) in Go.
	keyCalls = []*regexp.Regexp{
		regexp.MustCompile(`\bT\(?\s*"([a-z][^"]*)"`),
		regexp.MustCompile(`\bText\([^,()]+,\s*"([^"]+)"`),
		regexp.MustCompile(`\bRefuse\(\s*"([^"]+)"`),
		regexp.MustCompile(`\bRefuseField\([^,()]+,\s*"([^"]+)"`),
	}
	// Literals of the error namespace must be keys wherever they stand
	// (tables of keys, FieldError.Key).
	errorLiteral = regexp.MustCompile(`"(error\.[a-z0-9_.]+[a-z0-9_])"`)
)

type source struct{ path, text string }

func sources(t *testing.T) []source {
	t.Helper()
	var out []source
	root := ".."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		goSource := strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go")
		template := strings.HasSuffix(p, ".html") && strings.Contains(filepath.ToSlash(p), "/templates/")
		if !goSource && !template {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(b)
		if goSource { // a comment may show how a key is used: "T "key" args..."
			lines := strings.Split(text, "\n")
			for i, line := range lines {
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					lines[i] = ""
				}
			}
			text = strings.Join(lines, "\n")
		}
		out = append(out, source{p, text})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found only %d source files under %s", len(out), root)
	}
	return out
}

// A template or handler that names a key the catalogs lack fails here.
func TestEveryKeyUsedExists(t *testing.T) {
	for _, s := range sources(t) {
		for _, re := range append(keyCalls, errorLiteral) {
			for _, m := range re.FindAllStringSubmatch(s.text, -1) {
				key := m[1]
				if strings.ContainsAny(key, "%") || strings.HasSuffix(key, ".") || strings.HasSuffix(key, ".html") {
					continue // a prefix: the keys it builds are checked by use
				}
				if !Has(Danish, key) {
					t.Errorf("%s uses the key %q, which is not in the catalogs", s.path, key)
				}
			}
		}
	}
}

// A key nobody uses is dead text to keep translated: it fails here. A key
// counts as used when a source names it, or a prefix of it ("state.%s").
func TestEveryKeyIsUsed(t *testing.T) {
	used := map[string]bool{}
	var prefixes []string
	for _, s := range sources(t) {
		for _, m := range keyLiteral.FindAllStringSubmatch(s.text, -1) {
			used[m[1]] = true
		}
		for _, m := range keyPrefix.FindAllStringSubmatch(s.text, -1) {
			if m[1] != "error." { // IsErrorKey's prefix is no use of every error
				prefixes = append(prefixes, m[1])
			}
		}
	}
	for _, k := range Keys(Danish) {
		if used[k] {
			continue
		}
		found := false
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("key %q is in the catalogs but no template or Go source uses it", k)
		}
	}
}

// Every error sentence, in every language, is a sentence, and takes as
// many arguments as its verbs: formatted with sample values it has no
// %!(…) from a missing, extra or mistyped argument.
func TestErrorKeysFormatInEveryLanguage(t *testing.T) {
	n := 0
	for _, k := range Keys(Danish) {
		if !IsErrorKey(k) {
			continue
		}
		n++
		for _, l := range Languages() {
			raw := Text(l, k)
			if strings.TrimSpace(raw) == "" {
				t.Errorf("%s: %q is empty", l, k)
				continue
			}
			got := Text(l, k, sampleArgs(raw)...)
			if strings.Contains(got, "%!") {
				t.Errorf("%s: %q formats as %q", l, k, got)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d error keys", n)
	}
}

// sampleArgs returns a value of the right kind for each verb of s.
func sampleArgs(s string) []any {
	var args []any
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '%' {
			continue
		}
		switch s[i+1] {
		case '%':
		case 'd':
			args = append(args, 7)
		case 's', 'q', 'v':
			args = append(args, "x")
		default:
			args = append(args, fmt.Sprintf("unknown verb %%%c", s[i+1]))
		}
		i++
	}
	return args
}
