package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/valghalla/valghalla/vault"
)

const (
	encryptionKeysEnv = "VALGHALLA_ENCRYPTION_KEYS"
	blindIndexKeyEnv  = "VALGHALLA_BLIND_INDEX_KEY"
)

// keyring builds the keyring that encrypts personal data at rest. web and
// worker refuse to start without one: there is no unencrypted mode.
func (c config) keyring() (*vault.Keyring, error) {
	if c.EncryptionKeys == "" || c.BlindIndexKey == "" {
		return nil, fmt.Errorf("%s and %s must be set (valghalla keygen makes them)", encryptionKeysEnv, blindIndexKeyEnv)
	}
	return vault.ParseKeyring(c.EncryptionKeys, c.BlindIndexKey)
}

// devKeys returns the keys `dev` uses: the environment's, or those in
// <data>/keys.env, generated there on the first start so that a restart can
// still read what the last run encrypted.
func devKeys(cfg config) (config, error) {
	if cfg.EncryptionKeys != "" || cfg.BlindIndexKey != "" {
		return cfg, nil
	}
	path := filepath.Join(cfg.DataDir, "keys.env")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		enc, blind, err := vault.GenerateConfig()
		if err != nil {
			return cfg, err
		}
		var b strings.Builder
		writeKeys(&b, enc, blind)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			return cfg, fmt.Errorf("write dev keys: %w", err)
		}
		cfg.EncryptionKeys, cfg.BlindIndexKey = enc, blind
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("read dev keys: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch name {
		case encryptionKeysEnv:
			cfg.EncryptionKeys = value
		case blindIndexKeyEnv:
			cfg.BlindIndexKey = value
		}
	}
	return cfg, sc.Err()
}

func writeKeys(w io.Writer, encryption, blindIndex string) {
	fmt.Fprintf(w, "# Keys that encrypt personal data at rest. Keep them secret; losing them loses the data.\n")
	fmt.Fprintf(w, "%s=%s\n%s=%s\n", encryptionKeysEnv, encryption, blindIndexKeyEnv, blindIndex)
}

// runKeygen prints fresh keys in the environment-file format.
func runKeygen(stdout io.Writer) int {
	enc, blind, err := vault.GenerateConfig()
	if err != nil {
		fmt.Fprintf(stdout, "valghalla keygen: %v\n", err)
		return exitFailure
	}
	writeKeys(stdout, enc, blind)
	return exitOK
}
