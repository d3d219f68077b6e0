package main

import (
	"io"
	"net/http"

	"github.com/valghalla/valghalla/vault"
)

func httpGetQuiet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// testKeys are encryption keys for the production commands in tests.
var testKeys = func() (k struct{ enc, blind string }) {
	var err error
	if k.enc, k.blind, err = vault.GenerateConfig(); err != nil {
		panic(err)
	}
	return k
}()
