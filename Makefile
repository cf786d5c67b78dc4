# Every target runs with nothing but Go on the machine. `make test` is what CI runs.

GO            ?= go
STATICCHECK   ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# FUZZTIME is a count, not a duration: with a duration Go's fuzzing coordinator can
# fail a target with "context deadline exceeded" when the deadline falls while a
# starved worker is mid-call (seen in CI on a loaded 2-core machine). A count has
# no deadline, so a slow machine only takes longer.
FUZZTIME      ?= 50000x

.PHONY: all test lint unit race fuzz bench bench-nethttp conformance demo corpus corpus-go realworld clean

all: test

## test: everything CI runs.
test: lint unit race fuzz conformance corpus

## lint: gofmt, go vet and staticcheck must be clean.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^testdata/\|^golden/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd runtime && $(GO) vet ./...
	cd grpc && $(GO) vet ./...
	cd examples/grpc-cinema-1 && $(GO) vet ./...
	cd examples/grpc-cinema-3 && $(GO) vet ./...
	cd examples/grpc-gateway && $(GO) vet ./...
	cd examples/grpc-stream && $(GO) vet ./...
	$(STATICCHECK) ./...
	cd runtime && $(STATICCHECK) ./...
	cd grpc && $(STATICCHECK) ./...
	cd examples/grpc-cinema-1 && $(STATICCHECK) ./...
	cd examples/grpc-cinema-3 && $(STATICCHECK) ./...
	cd examples/grpc-gateway && $(STATICCHECK) ./...
	cd examples/grpc-stream && $(STATICCHECK) ./...

## unit: the unit, golden and integration tests of the three modules (runtime/ and grpc/ are modules of their own).
unit:
	$(GO) test ./...
	cd runtime && $(GO) test ./...
	cd grpc && $(GO) test ./...
	cd examples/grpc-cinema-1 && $(GO) test ./...
	cd examples/grpc-cinema-3 && $(GO) test ./...
	cd examples/grpc-gateway && $(GO) test ./...
	cd examples/grpc-stream && $(GO) test ./...

## race: the concurrent packages under the race detector.
race:
	cd runtime && $(GO) test -race ./...
	cd grpc && $(GO) test -race ./...

## fuzz: each fuzz target for a fixed number of inputs (FUZZTIME, a few seconds each).
fuzz:
	cd runtime && $(GO) test -run '^$$' -fuzz '^FuzzVClock$$' -fuzztime $(FUZZTIME) .
	cd runtime && $(GO) test -run '^$$' -fuzz '^FuzzExecutionIndex$$' -fuzztime $(FUZZTIME) .
	cd runtime && $(GO) test -run '^$$' -fuzz '^FuzzHeaders$$' -fuzztime $(FUZZTIME) .

## bench: Go benchmarks of the runtime, the coordinator and the generator.
bench:
	cd runtime && $(GO) test -run '^$$' -bench . -benchmem ./...
	cd grpc && $(GO) test -run '^$$' -bench Inert -benchmem ./internal/inert/
	$(GO) test -run '^$$' -bench Generate -benchtime 1x ./rewrite

## bench-nethttp: an inert call made inside a library, with and without net/http instrumented.
bench-nethttp:
	$(GO) build -o bench/nethttp/filibuster-gen ./cmd/filibuster-gen && \
	cd bench/nethttp && ./filibuster-gen ./... && \
	$(GO) test -c -o plain.test ./svc && \
	$(GO) test -c -overlay .filibuster/overlay.json -o instrumented.test ./svc && \
	for i in 1 2 3 4 5 6; do ./plain.test -test.run '^$$' -test.bench . -test.benchmem | grep Benchmark | sed 's/^/plain        /'; \
		./instrumented.test -test.run '^$$' -test.bench . -test.benchmem | grep Benchmark | sed 's/^/instrumented /'; done; \
	rm -f plain.test instrumented.test filibuster-gen

## conformance: replay the reference server's transcripts against our coordinator.
conformance:
	@cd runtime && $(GO) test ./coordinator -run '^TestConformance$$' -count=1 -v >conformance.out 2>&1; status=$$?; \
	grep -E '^conformance|--- FAIL|_test.go:[0-9]+' conformance.out; rm -f conformance.out; exit $$status

## demo: cinema-3 end to end with the embedded coordinator.
demo:
	$(GO) run ./cmd/filibuster-gen run examples/cinema-3

## corpus: cinema-1..8, the gRPC ports of cinema-1 and cinema-3, and grpc-gateway and grpc-stream, with and without dynamic reduction.
corpus:
	$(GO) run ./cmd/filibuster-gen run --corpus --quiet \
		examples/cinema-1 examples/cinema-2 examples/cinema-3 examples/cinema-4 \
		examples/cinema-5 examples/cinema-6 examples/cinema-7 examples/cinema-8 \
		examples/grpc-cinema-1 examples/grpc-cinema-3 examples/grpc-gateway examples/grpc-stream

## corpus-go: the corpus as Go tests (filibustertest), reduction on and off.
corpus-go:
	$(GO) test -count=1 \
		./examples/cinema-1/functional ./examples/cinema-2/functional ./examples/cinema-3/functional \
		./examples/cinema-4/functional ./examples/cinema-5/functional ./examples/cinema-6/functional \
		./examples/cinema-7/functional ./examples/cinema-8/functional

## realworld: instrument public modules and run their own test suites.
realworld:
	$(GO) run ./realworld $(REALWORLDFLAGS)

clean:
	rm -rf .filibuster bin
