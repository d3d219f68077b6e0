package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/api"
)

// The API tests make every call through apiClient.do, which checks the
// request and the response against the OpenAPI document the app serves: a
// field, status or route the code has and the document lacks (or the other
// way round) fails the test.

var openAPI = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

var openAPIRoutes = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openAPI()
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	router, err := openAPIRoutes()
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	return router
}

// apiClient calls the API as one caller: a bearer token, a browser's
// session (with its CSRF token), or nobody.
type apiClient struct {
	t       *testing.T
	app     http.Handler
	token   string   // bearer token, if any
	browser *browser // session, if any
	csrf    string   // sent with a session unless noCSRF
}

func (f *fixture) anonymousAPI(t *testing.T) *apiClient { return &apiClient{t: t, app: f.app} }

func (f *fixture) tokenAPI(t *testing.T, token string) *apiClient {
	return &apiClient{t: t, app: f.app, token: token}
}

func (f *fixture) sessionAPI(t *testing.T, role models.Role) *apiClient {
	b := f.loggedIn(t, role)
	return &apiClient{t: t, app: f.app, browser: b, csrf: b.csrf()}
}

// call options.
type callOpt int

const (
	// invalidRequest: the request breaks the document on purpose (malformed
	// JSON, a wrong type); the document must refuse it as the server does.
	invalidRequest callOpt = iota + 1
	// noCSRF: a session call without the CSRF header.
	noCSRF
)

// rawJSON is a body sent as it is, not marshalled.
type rawJSON string

type apiResult struct {
	Status int
	Body   []byte
}

// decode reads the answer into v.
func (r apiResult) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON of the expected shape: %v\n%s", r.Status, err, r.Body)
	}
}

// errorText is the error message of an error answer.
func (r apiResult) errText(t *testing.T) string {
	var e struct{ Error string }
	r.decode(t, &e)
	return e.Error
}

func (a *apiClient) do(method, path string, body any, opts ...callOpt) apiResult {
	a.t.Helper()
	has := func(o callOpt) bool {
		for _, x := range opts {
			if x == o {
				return true
			}
		}
		return false
	}
	var payload []byte
	switch b := body.(type) {
	case nil:
	case rawJSON:
		payload = []byte(b)
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			a.t.Fatal(err)
		}
	}
	newRequest := func() *http.Request {
		req := httptest.NewRequest(method, path, bytes.NewReader(payload))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if a.token != "" {
			req.Header.Set("Authorization", "Bearer "+a.token)
		}
		if a.browser != nil {
			for _, c := range a.browser.cookies {
				req.AddCookie(c)
			}
			if !has(noCSRF) && method != http.MethodGet {
				req.Header.Set("X-CSRF-Token", a.csrf)
			}
		}
		return req
	}

	rec := httptest.NewRecorder()
	a.app.ServeHTTP(rec, newRequest())
	res := apiResult{Status: rec.Code, Body: rec.Body.Bytes()}

	// The request, as the document sees it.
	router := openAPIRouter(a.t)
	req := newRequest()
	route, params, err := router.FindRoute(req)
	if err != nil {
		a.t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
	}
	anonymous := a.token == "" && a.browser == nil
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: presentCredentials, IncludeResponseStatus: true}}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	var secErr *openapi3filter.SecurityRequirementsError
	switch {
	case err != nil && anonymous && errors.As(err, &secErr):
		// Anonymous on a secured operation: the document says so too.
	case err != nil && !has(invalidRequest):
		a.t.Errorf("%s %s: the request breaks the OpenAPI document: %v", method, path, err)
	case err == nil && has(invalidRequest):
		a.t.Errorf("%s %s: the document accepts a request the server refused (%d)", method, path, res.Status)
	}

	// The response, always.
	in.Request = newRequest()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(res.Body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		a.t.Errorf("%s %s: the response %d breaks the OpenAPI document: %v\n%s", method, path, res.Status, err, res.Body)
	}
	return res
}

// presentCredentials checks that a secured call carries the credential of
// a scheme; whether it is valid is the server's business (and tested).
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "bearerToken":
		if strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case "sessionCookie":
		if _, err := req.Cookie(in.SecurityScheme.Name); err == nil {
			return nil
		}
	}
	return in.NewError(nil)
}
