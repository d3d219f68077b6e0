package web

import (
	"bytes"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v4"

	"github.com/valghalla/valghalla/store"
)

// The JSON API under /api/v1: the same store functions and role rules as the
// pages, described by openapi.yaml (served as JSON at /api/v1/openapi.json).
// A request is authenticated by the session cookie — then a state-changing
// one carries the session's CSRF token in X-CSRF-Token — or by an API token
// (Authorization: Bearer), which needs no CSRF token: a browser never sends
// it by itself.

const apiPrefix = "/api/v1"

//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as JSON, converted once at start-up: a broken
// document stops the binary, not a client.
var openAPIJSON = func() []byte {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		panic(fmt.Sprintf("web/openapi.yaml: %v", err))
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("web/openapi.yaml as JSON: %v", err))
	}
	return b
}()

// OpenAPIDocument returns the API's OpenAPI document as served.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIJSON) }

func (s *server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIJSON)
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, apiPrefix+"/") }

// apiAuth authenticates an API request: by its bearer token when it has an
// Authorization header (a wrong token is refused, never ignored), else by
// the session cookie.
func (s *server) apiAuth(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		s.loadSession(c)
		return
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		apiError(c, http.StatusUnauthorized, translator(c)("api.badtoken"))
		return
	}
	u, err := store.LookupAPIToken(c.Request.Context(), s.DB, strings.TrimSpace(token), s.Now())
	switch {
	case errors.Is(err, store.ErrNoAPIToken):
		apiError(c, http.StatusUnauthorized, translator(c)("api.badtoken"))
		return
	case err != nil:
		s.apiFail(c, err)
		return
	}
	c.Set("user", &u)
	c.Set("api_token", true)
	c.Next()
}

// apiCSRF asks a state-changing request made with a session for the
// session's CSRF token in the header; a bearer token needs none.
func (s *server) apiCSRF(c *gin.Context) {
	sess := currentSession(c)
	switch {
	case c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead || c.Request.Method == http.MethodOptions,
		c.GetBool("api_token"), sess == nil:
		c.Next()
	case subtle.ConstantTimeCompare([]byte(c.GetHeader(csrfHeader)), []byte(sess.CSRFToken)) == 1:
		c.Next()
	default:
		apiError(c, http.StatusForbidden, translator(c)("api.csrf"))
	}
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
	apiError(c, http.StatusInternalServerError, translator(c)("api.failed"))
}

// apiStoreError answers with what a store error means: 422 for the store's
// validation messages (per field where it gives them), 409 for a stale
// version or a change to confirm, 403, 404, else 500.
func (s *server) apiStoreError(c *gin.Context, err error) {
	T := translator(c)
	var fe store.FieldErrors
	var ue *store.UserError
	var refused *store.PlanRefused
	var confirm *store.NeedsConfirmation
	switch {
	case errors.As(err, &fe):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: fe.Error(), Fields: fe})
	case errors.As(err, &ue):
		apiError(c, http.StatusUnprocessableEntity, ue.Reason)
	case errors.As(err, &refused):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: refused.Error(), Problems: refused.Problems})
	case errors.As(err, &confirm):
		c.AbortWithStatusJSON(http.StatusConflict, apiErrorBody{Error: T("api.confirm", confirm.Removes), Removes: confirm.Removes})
	case errors.Is(err, store.ErrStale):
		apiError(c, http.StatusConflict, T("api.stale"))
	case errors.Is(err, store.ErrNotFound):
		apiError(c, http.StatusNotFound, T("api.notfound"))
	case errors.Is(err, store.ErrForbidden):
		apiError(c, http.StatusForbidden, T("api.forbidden"))
	default:
		s.apiFail(c, err)
	}
}

// bindJSON reads the body into dst, refusing unknown fields and anything
// after the value: a typo in a field name is an error, not a silent no-op.
func bindJSON(c *gin.Context, dst any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		apiError(c, http.StatusBadRequest, translator(c)("api.malformed", err.Error()))
		return false
	}
	return true
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
