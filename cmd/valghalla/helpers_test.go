package main

import (
	"io"
	"net/http"

	"go.temporal.io/sdk/client"
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

func clientOptions(namespace string) client.Options {
	return client.Options{Namespace: namespace}
}
