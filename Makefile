# Valghalla — the README's two commands are `make run` and `make test`.

# Pure Go throughout: the binary is static and SQLite is modernc's.
export CGO_ENABLED := 0
GO ?= go
BIN := bin/valghalla
DATA ?= data

.PHONY: run build test lint bench race clean

## run: start everything on embedded defaults (valghalla dev), data under ./data
run: build
	$(BIN) dev --data $(DATA)

## build: the static binary, bin/valghalla
build:
	$(GO) build -trimpath -o $(BIN) ./cmd/valghalla

## test: vet, formatting and every test (needs the machine's PostgreSQL, see README)
test: lint
	@command -v chromium >/dev/null || echo "NOTE: chromium is not installed: the browser journey (TestBrowserJourney) will be skipped; apt-get install chromium to run it"
	$(GO) test -count=1 -timeout 30m ./...

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## race: the race detector over the packages that do not link the Temporal server (needs gcc)
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./store/... ./web/ ./vault/ ./models/ ./activities/... ./workflows/

## bench: every benchmark, about 30 minutes on 2 cores (report: bench/README.md); PG is the server for --postgres
PG ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./models/ ./store/ ./web/ ./worker/
	$(BIN) bench round --people 1000
	$(BIN) bench round --people 10000
	$(BIN) bench round --people 1000 --postgres '$(PG)'
	$(BIN) bench answers --rate 50 --duration 2m
	$(BIN) bench memory --people 10000

clean:
	rm -rf bin
