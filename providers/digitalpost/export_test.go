package digitalpost

import "crypto/tls"

// WithoutClientCertificate makes c present no client certificate, which
// NewClient does not allow; tests use it to see the server refuse.
func WithoutClientCertificate(c *Client) {
	c.transport.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &tls.Certificate{}, nil
	}
}
