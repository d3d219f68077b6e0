// Package api is the JSON API under /api/v1: the same use cases and role
// rules as the pages, described by openapi.yaml (served as JSON at
// /api/v1/openapi.json). web authenticates a request — by the session
// cookie, when a state-changing one carries the session's CSRF token in
// X-CSRF-Token, or by an API token (Authorization: Bearer), which needs no
// CSRF token: a browser never sends it by itself.
package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v4"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as JSON, converted once at start-up: a broken
// document stops the binary, not a client.
var openAPIJSON = func() []byte {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		panic(fmt.Sprintf("web/api/openapi.yaml: %v", err))
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("web/api/openapi.yaml as JSON: %v", err))
	}
	return b
}()

// OpenAPIDocument returns the API's OpenAPI document as served.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIJSON) }

func (s *server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIJSON)
}

// apiErrorBody is every error the API returns.
type apiErrorBody struct {
	Error string `json:"error"`
	// Fields: what is wrong with each field, when the store says.
	Fields map[string]string `json:"fields,omitempty"`
	// Problems: why a plan change cannot be made, one line per cell.
	Problems []string `json:"problems,omitempty"`
	// Removes: the empty slots a change would remove (409: confirm it).
	Removes int `json:"removes,omitempty"`
}

func apiError(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, apiErrorBody{Error: msg})
}

func (s *server) apiFail(c *gin.Context, err error) {
	s.Log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	apiError(c, http.StatusInternalServerError, site.T(c)("api.failed"))
}

// apiStoreError answers with what a store error means: 422 for the store's
// validation messages (per field where it gives them), 409 for a stale
// version or a change to confirm, 403, 404, else 500.
func (s *server) apiStoreError(c *gin.Context, err error) {
	T := site.T(c)
	var fe models.FieldErrors
	var refused *models.PlanRefused
	var confirm *models.NeedsConfirmation
	switch {
	case site.IsKeyed(err) && !errors.As(err, &confirm) && !errors.As(err, &refused):
		// A keyed refusal, in the request's language, on its field.
		s.apiRefused(c, err)
	case errors.As(err, &fe):
		fields := site.FieldTexts(c, fe)
		parts := make([]string, 0, len(fields))
		for k, v := range fields {
			parts = append(parts, k+": "+v)
		}
		slices.Sort(parts)
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: strings.Join(parts, "; "), Fields: fields})
	case errors.As(err, &refused):
		problems := site.RefusalTexts(c, refused.Problems)
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: strings.Join(problems, " "), Problems: problems})
	case errors.As(err, &confirm):
		c.AbortWithStatusJSON(http.StatusConflict, apiErrorBody{Error: T("api.confirm", confirm.Removes), Removes: confirm.Removes})
	case errors.Is(err, models.ErrStale):
		apiError(c, http.StatusConflict, T("api.stale"))
	case errors.Is(err, models.ErrNotFound):
		apiError(c, http.StatusNotFound, T("api.notfound"))
	case errors.Is(err, models.ErrForbidden):
		apiError(c, http.StatusForbidden, T("api.forbidden"))
	default:
		s.apiFail(c, err)
	}
}

// bindJSON reads the body into dst, refusing unknown fields and anything
// after the value: a typo in a field name is an error, not a silent no-op.
// Every string in it must be clean text (models.CleanText), as in the
// forms: broken UTF-8 is not JSON (400), a control character is a value
// that cannot be stored (422); either names the field, and nothing is
// written.
func bindJSON(c *gin.Context, dst any) bool {
	T := site.T(c)
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		apiError(c, http.StatusBadRequest, T("api.malformed", err.Error())) // past the site's body limit
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		apiError(c, http.StatusBadRequest, T("api.malformed", err.Error()))
		return false
	}
	if field, brokenUTF8, found := unclean(raw); found {
		fields := map[string]string{field: T("api.badtext.field")}
		if brokenUTF8 {
			c.AbortWithStatusJSON(http.StatusBadRequest, apiErrorBody{Error: T("api.malformed", strconv.Quote(field)+" is not UTF-8"), Fields: fields})
		} else {
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("api.badtext", field), Fields: fields})
		}
		return false
	}
	return true
}

// unclean finds the first string in a JSON value that is not clean text
// and names it by the key whose value it is (or is in). It reads the raw
// bytes as well as the decoded string because the decoder quietly turns
// broken UTF-8 into U+FFFD; brokenUTF8 says which of the two it was.
func unclean(raw []byte) (field string, brokenUTF8, found bool) {
	type level struct {
		object, atKey bool
		key           string
	}
	stack := []level{{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var from int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false, false // io.EOF: all clean (a malformed body was refused before)
		}
		to := dec.InputOffset()
		span := raw[from:to] // the token, with the separators before it
		from = to
		top := &stack[len(stack)-1]
		switch tok {
		case json.Delim('{'), json.Delim('['):
			top.atKey = top.object // the container is a value; a key comes after it
			stack = append(stack, level{object: tok == json.Delim('{'), atKey: tok == json.Delim('{'), key: top.key})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			continue
		}
		if s, ok := tok.(string); ok {
			if !utf8.Valid(span) {
				return top.key, true, true
			}
			if !models.CleanText(s) {
				return top.key, false, true
			}
			if top.object && top.atKey {
				top.key = s
			}
		}
		if top.object {
			top.atKey = !top.atKey
		}
	}
}

// apiID is the :id of the path; 0 (found nowhere) when it is not a number.
func apiID(c *gin.Context, name string) int64 {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// mapAll turns a list of records into their JSON shapes.
func mapAll[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// apiRefused answers a use case's error in the API: {"error": …} in the
// request's language, the field at fault and the reasons when there are.
func (s *server) apiRefused(c *gin.Context, err error) {
	status, ok := site.RefusalStatus(err)
	if !ok {
		s.apiFail(c, err)
		return
	}
	body := apiErrorBody{Error: site.ErrText(c, err)}
	if ue, keyed := models.AsUserError(err); keyed && ue.Field != "" {
		body.Fields = map[string]string{ue.Field: body.Error}
	}
	if r, isRefusal := recruit.AsRefusal(err); isRefusal {
		if r.Field != "" && r.Kind == recruit.Invalid {
			body.Error = site.T(c)("api.invalid") + " " + body.Error
		}
		if len(r.Ineligible) > 0 {
			body.Problems = ineligibilityTexts(c, r.Ineligible)
		}
	}
	c.AbortWithStatusJSON(status, body)
}
