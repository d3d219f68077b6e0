// Package mtls builds the HTTP client a provider reaches a public service
// with (Serviceplatformen's CPR register, Næste generation Digital Post):
// mutual TLS with the municipality's OCES system certificate, bounded
// timeouts, and retries by go-retryablehttp that return the last response
// as it came, so a fault's text survives.
package mtls

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Config is the client's certificate, trust and retry policy.
type Config struct {
	// Certificate is the OCES system certificate with its private key.
	Certificate tls.Certificate
	// RootCAs verifies the service's certificate; nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds one attempt.
	Timeout time.Duration
	Retry   Retry
	// CheckRetry and Backoff are the provider's: which answers are worth
	// another attempt, and how long to wait before it.
	CheckRetry retryablehttp.CheckRetry
	Backoff    retryablehttp.Backoff
	// RequestLogHook sees every attempt (a provider counts them).
	RequestLogHook retryablehttp.RequestLogHook
}

// Retry is how often and how patiently a request is tried again.
type Retry struct {
	Max              int // attempts after the first; negative: none
	WaitMin, WaitMax time.Duration
}

// Within fills r's zero values from def, keeps Max between 0 and limit and
// WaitMax at least WaitMin.
func (r Retry) Within(def Retry, limit int) Retry {
	switch {
	case r.Max == 0:
		r.Max = def.Max
	case r.Max < 0:
		r.Max = 0
	case r.Max > limit:
		r.Max = limit
	}
	if r.WaitMin <= 0 {
		r.WaitMin = def.WaitMin
	}
	if r.WaitMax <= 0 {
		r.WaitMax = def.WaitMax
	}
	r.WaitMax = max(r.WaitMax, r.WaitMin)
	return r
}

// NewClient returns the client and its transport (to close idle
// connections).
func NewClient(c Config) (*retryablehttp.Client, *http.Transport) {
	cert := c.Certificate
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    c.RootCAs,
			// Always present the system certificate. (With Certificates, Go
			// silently sends none when the server's list of acceptable CAs
			// does not name its issuer, which only shows up as a refusal.)
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return &cert, nil
			},
		},
	}
	return &retryablehttp.Client{
		HTTPClient:     &http.Client{Transport: transport, Timeout: c.Timeout},
		Logger:         nil, // its lines carry URLs; the provider logs what it needs
		RetryWaitMin:   c.Retry.WaitMin,
		RetryWaitMax:   c.Retry.WaitMax,
		RetryMax:       c.Retry.Max,
		CheckRetry:     c.CheckRetry,
		Backoff:        c.Backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.RequestLogHook,
	}, transport
}
