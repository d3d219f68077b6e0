package web_test

import (
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/store/storetest"
)

// dkfdsCSS is the stylesheet of Det Fælles Designsystem vendored under
// web/ui/static/dkfds (see its README.md).
const dkfdsCSS = "/static/dkfds/css/dkfds-borgerdk.min.css"

var (
	cssURL      = regexp.MustCompile(`url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)`)
	cssFontFace = regexp.MustCompile(`@font-face\s*\{[^}]*\}`)
)

// cssURLs returns the url(...) references of css in order.
func cssURLs(css string) []string {
	var refs []string
	for _, m := range cssURL.FindAllStringSubmatch(css, -1) {
		refs = append(refs, m[1]+m[2]+m[3])
	}
	return refs
}

// local reports whether ref names a file on this server rather than inline
// data, another site or a fragment of the same document.
func local(ref string) bool {
	u, err := url.Parse(ref)
	return err == nil && ref != "" && u.Scheme == "" && u.Host == "" && u.Path != ""
}

// wantContentType is the media type each kind of vendored file is served as.
var wantContentType = map[string]string{
	".css": "text/css", ".woff2": "font/woff2", ".svg": "image/svg+xml", ".png": "image/png",
}

// The vendored design system is embedded and served, and every file its CSS
// refers to is there too: a file left out of the vendoring fails here rather
// than as a missing icon or font in a citizen's browser.
func TestStaticDKFDSIsServed(t *testing.T) {
	app := newApp(t, storetest.SQLite(t), nil, nil)

	rec := get(t, app, dkfdsCSS)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s = %d %q", dkfdsCSS, rec.Code, rec.Header().Get("Content-Type"))
	}
	css := rec.Body.String()
	if !strings.Contains(css, ".button-primary") || !strings.Contains(css, "IBM Plex Sans") {
		t.Fatalf("%s is not the design system's stylesheet (%d bytes)", dkfdsCSS, len(css))
	}

	// Each @font-face lists the same face in several formats and a browser
	// takes the first it can use. Only the woff2 files are vendored (every
	// browser in use reads woff2), so the other formats may be missing, but
	// each face must have a woff2 that is there.
	optional := map[string]bool{}
	for _, face := range cssFontFace.FindAllString(css, -1) {
		woff2 := 0
		for _, ref := range cssURLs(face) {
			switch path.Ext(ref) {
			case ".woff2":
				woff2++
			case ".eot", ".ttf", ".otf", ".woff", ".svg":
				optional[ref] = true
			}
		}
		if woff2 == 0 && strings.Contains(face, "url(") {
			t.Errorf("@font-face without a woff2 source: %s", face)
		}
	}

	base, _ := url.Parse(dkfdsCSS)
	checked := map[string]bool{}
	for _, ref := range cssURLs(css) {
		if !local(ref) || optional[ref] {
			continue
		}
		u, _ := url.Parse(ref)
		target := base.ResolveReference(&url.URL{Path: u.Path}).Path
		if checked[target] {
			continue
		}
		checked[target] = true
		rec := get(t, app, target)
		ct := rec.Header().Get("Content-Type")
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("%s refers to %s: GET %s = %d (%d bytes)", dkfdsCSS, ref, target, rec.Code, rec.Body.Len())
		} else if want, ok := wantContentType[path.Ext(target)]; ok && !strings.HasPrefix(ct, want) {
			t.Errorf("GET %s: Content-Type %q, want %s", target, ct, want)
		}
	}
	// Fonts (8 faces), icons and logos: fewer means the pattern broke.
	if len(checked) < 100 {
		t.Errorf("checked only %d files the CSS refers to", len(checked))
	}

	// One font and the icon sprite the component markup uses with
	// <svg><use href="…#name"></use></svg>, by name.
	for target, want := range map[string]string{
		"/static/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2": "font/woff2",
		"/static/dkfds/img/all-svg-icons.svg":                                      "image/svg+xml",
	} {
		rec := get(t, app, target)
		if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || !strings.HasPrefix(ct, want) || rec.Body.Len() < 1000 {
			t.Errorf("GET %s = %d %q (%d bytes), want 200 %s", target, rec.Code, ct, rec.Body.Len(), want)
		}
	}
	if !checked["/static/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2"] {
		t.Error("the CSS no longer refers to IBMPlexSans-Regular.woff2: update the vendoring and this test")
	}
}
