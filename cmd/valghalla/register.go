package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
)

// cprRegister builds the SF1520 client from CPR_* settings; nil (and the web
// app says registration is unavailable) when CPR_ENDPOINT is empty.
func (c config) cprRegister(log *slog.Logger) (cpr.Register, error) {
	if c.CPREndpoint == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.CPRCertFile, c.CPRKeyFile)
	if err != nil {
		return nil, fmt.Errorf("CPR_CERT_FILE/CPR_KEY_FILE: %w", err)
	}
	var roots *x509.CertPool
	if c.CPRCAFile != "" {
		pem, err := os.ReadFile(c.CPRCAFile)
		if err != nil {
			return nil, fmt.Errorf("CPR_CA_FILE: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CPR_CA_FILE holds no PEM certificate")
		}
	}
	return cpr.NewClient(cpr.ClientConfig{Endpoint: c.CPREndpoint, Certificate: cert, RootCAs: roots, CVR: c.CPRCVR,
		ServiceAgreementUUID: c.CPRServiceAgreementUUID, UserSystemUUID: c.CPRUserSystemUUID, UserUUID: c.CPRUserUUID,
		ServiceUUID: cpr.ServiceUUID, Logger: log.With("component", "cpr-register")})
}

// startDevRegister runs the fake CPR register over mutual TLS with the
// fixture people living in the demo municipality, and returns the real
// client pointed at it.
func startDevRegister(db *gorm.DB, log *slog.Logger) (cpr.Register, *cprfake.Server, error) {
	var m models.Municipality
	var e models.Election
	db.First(&m)
	db.Order("election_day").First(&e)
	fake, err := cprfake.Start(cprfake.FixturePeople(m.Code, e.ElectionDay)...)
	if err != nil {
		return nil, nil, fmt.Errorf("start the fake CPR register: %w", err)
	}
	cfg := fake.ClientConfig()
	cfg.Logger = log.With("component", "cpr-register")
	client, err := cpr.NewClient(cfg)
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	return client, fake, nil
}
