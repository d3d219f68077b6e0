// Package locale holds the product's texts: one catalog per language, in the
// files under da/ and en/ (JSON objects of key → sentence, fmt verbs for the
// arguments), read once at start-up. Text is translated only where it is
// shown: pages, the API, messages. Everything below speaks in keys
// (models.UserError).
//
// Keys: "<area>.<what>" for the pages' texts (plan.title, api.stale), in
// one file per area with the same name in every language (plan.json);
// "error.<area>.<what>" for refusals, which models and store return as
// models.UserError (errors.json); "sms.*" for the replies to an SMS. The
// tests fail on a key missing in a language, a key a template or Go source
// uses that is not in the catalogs, a key nobody uses, and an error
// sentence whose verbs do not take its arguments.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/valghalla/valghalla/models"
)

// The languages: Danish first, English a choice.
const (
	Danish  = "da"
	English = "en"
)

//go:embed da/*.json en/*.json
var files embed.FS

// Catalog is one language's texts.
type Catalog map[string]string

var catalogs = mustLoad(files)

func mustLoad(fsys fs.FS) map[string]Catalog {
	all, err := load(fsys)
	if err != nil {
		panic(err)
	}
	return all
}

// load reads every <lang>/*.json; a key given twice in one language is an
// error, so two files cannot silently disagree.
func load(fsys fs.FS) (map[string]Catalog, error) {
	all := map[string]Catalog{}
	for _, l := range []string{Danish, English} {
		names, err := fs.Glob(fsys, l+"/*.json")
		if err != nil {
			return nil, err
		}
		c := Catalog{}
		for _, name := range names {
			raw, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			var texts map[string]string
			if err := json.Unmarshal(raw, &texts); err != nil {
				return nil, fmt.Errorf("locale: %s: %w", name, err)
			}
			for k, v := range texts {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("locale: %s: key %q is already in another file of %s", name, k, path.Dir(name))
				}
				c[k] = v
			}
		}
		all[l] = c
	}
	return all, nil
}

// Supported tells whether l is a language with a catalog.
func Supported(l string) bool { return catalogs[l] != nil }

// Languages lists the languages, Danish first.
func Languages() []string { return []string{Danish, English} }

// Has tells whether key exists in language l.
func Has(l, key string) bool {
	_, ok := catalogs[l][key]
	return ok
}

// Keys lists the keys of language l, sorted.
func Keys(l string) []string { return slices.Sorted(maps.Keys(catalogs[l])) }

// Text translates key into language l (Danish when l is unknown) with args.
// An argument that is a models.TextKey, a *models.UserError or a list of
// them is translated into l first.
// An unknown key comes back as itself, which the catalog tests forbid.
func Text(l, key string, args ...any) string {
	c := catalogs[l]
	if c == nil {
		c = catalogs[Danish]
	}
	s, ok := c[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	args = slices.Clone(args)
	for i, a := range args {
		switch a := a.(type) {
		case models.TextKey: // a state's or a kind's name
			args[i] = Text(l, string(a))
		case *models.UserError: // a refusal inside a refusal
			args[i] = Error(l, a)
		case []*models.UserError: // several reasons, one after the other
			texts := make([]string, len(a))
			for j, u := range a {
				texts[j] = Error(l, u)
			}
			args[i] = strings.Join(texts, " ")
		}
	}
	return fmt.Sprintf(s, args...)
}

// Error translates err for a reader of language l: a models.UserError by its
// key, anything else as the catalog's generic sentence — an unexpected error's
// own text is for the log, not for the reader.
func Error(l string, err error) string {
	if ue, ok := models.AsUserError(err); ok && ue != nil {
		return Text(l, ue.Key, ue.Args...)
	}
	return Text(l, "error.internal")
}

// IsErrorKey tells whether a key names an error sentence.
func IsErrorKey(key string) bool { return strings.HasPrefix(key, "error.") }
