# Gatehouse: the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
BIN := bin/gatehouse
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
STATICCHECK_VERSION := v0.8.2
MAILPIT_VERSION := v1.33.1
GO_SOURCES := $(shell find . -name '*.go' -not -path './ui/node_modules/*') go.mod go.sum
RELEASE_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: run build ui ui-deps test fmt-check vet staticcheck go-test fuzz-short ui-test e2e tools release-check bench clean

## run: build the binary (and the UI if ui/dist is missing) and serve on http://127.0.0.1:8080
run: build
	./$(BIN) serve --log-format text

build: $(BIN)

$(BIN): $(GO_SOURCES) ui/dist/index.html
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

ui/dist/index.html:
	$(MAKE) ui

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

ui-deps: ui/node_modules/.package-lock.json

## ui: rebuild ui/dist from ui/src (reproducible; the result is committed)
ui: ui-deps
	cd ui && npm run build

## test: every check and test: format, vet, staticcheck, Go tests (race), UI unit tests, browser tests
test: fmt-check vet staticcheck go-test fuzz-short ui-test e2e

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tools:
	@command -v staticcheck >/dev/null || test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@command -v mailpit >/dev/null || test -x $(GOBIN)/mailpit || $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

staticcheck: tools
	PATH="$(GOBIN):$$PATH" staticcheck ./...

go-test: tools
	PATH="$(GOBIN):$$PATH" $(GO) test -race -count=1 ./...

## fuzz-short: every Fuzz* target of the repo (go test -list) for FUZZTIME each (see .ci/fuzz-short)
FUZZTIME ?= 5s
fuzz-short:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash .ci/fuzz-short

ui-test: ui-deps
	cd ui && npm test

e2e: build ui-deps
	cd ui && GATEHOUSE_BIN=$(CURDIR)/$(BIN) npm run e2e

## release-check: cross-compile every release target (CGO off, stripped)
release-check:
	@set -e; for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=""; [ $$os = windows ] && ext=.exe; \
		echo "build $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/gatehouse_$${os}_$${arch}$$ext . ; \
	done; ls -l dist/

## bench: the benchmark suite (see bench/README.md)
bench: build
	bash bench/run.sh

clean:
	rm -rf bin dist
