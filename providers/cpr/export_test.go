package cpr

import "crypto/tls"

// The wire functions, for the tests of package cpr_test (which run the
// client against fakes/cprfake and so cannot be in package cpr).
var (
	DecodeResponse = decodeResponse
	EncodeRequest  = encodeRequest
	Scrub          = scrub
	IsTLSError     = isTLSError
)

type InvocationContext = invocationContext

// The namespaces, so a test can check the request element by element.
const (
	NSSOAP       = nsSOAP
	NSService    = nsService
	NSPNR        = nsPNR
	NSInvocation = nsInvocation
	NSAuthority  = nsAuthority
)

// WithoutClientCertificate makes c present no client certificate, which
// NewClient does not allow; tests use it to see the server refuse.
func WithoutClientCertificate(c *Client) {
	c.transport.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &tls.Certificate{}, nil
	}
}

// RequestBody is the PersonLookup envelope c sends for number: what its
// (normalised) configuration puts on the wire.
func RequestBody(c *Client, number string) ([]byte, error) {
	return encodeRequest(c.cvr, c.invocation, number)
}
