# SecureNets: the two set-up commands of the README, and a few more.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: demo test build release bench bench-pipeline chaos load privacy services-up services-down clean

## Start the services, build, run a verifier and two workers, submit the bundled sample, show results.
demo:
	scripts/demo.sh

## Install and start what the tests need (Debian packages, RabbitMQ, PostgreSQL), run the whole suite,
## then a short libFuzzer run over every decoder (scripts/fuzz/ci.sh), the leakage harness's
## selftest (its attacks against synthetic captures with known answers, and against noise) and one
## real masked-mode job of 100 rows whose attacks must be at chance (docs/PRIVACY-HARNESS.md).
test: services-up
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel
	scripts/fuzz/ci.sh
	scripts/deploy/ci.sh
	scripts/privacy/python scripts/privacy/selftest.py
	scripts/privacy/run.sh --privacy masked --sizes 100 --out var/privacy-test >/dev/null

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

## Compute benchmark (no services): ratios against plaintext and onnxruntime.
bench: release
	$(SWIFT) run -c release securenets-bench compute

## Pipeline benchmark (real broker and database).
bench-pipeline: services-up release
	$(SWIFT) run -c release securenets-bench pipeline

## Chaos soak: faults injected while producers run (docs/RELIABILITY.md). CHAOS_ARGS="--duration 300 --seed 7"
chaos: services-up
	scripts/chaos.sh $(CHAOS_ARGS)

## Load run: 5 producers x 10 jobs, queue drain, peak RSS against a one-job baseline. LOAD_ARGS="--workers 2"
load: services-up
	scripts/load.sh $(LOAD_ARGS)

## Leakage harness: what a curious worker recovers from real traffic, both privacy modes; fails if a
## masked-mode attack is above chance (docs/PRIVACY-HARNESS.md).
## PRIVACY_ARGS="--privacy masked" or "--privacy blinded --modes chained --sizes 100 --cross-job ''"
privacy: services-up
	scripts/privacy/run.sh $(PRIVACY_ARGS)

services-up:
	infra/local/up

services-down:
	infra/local/down

clean:
	rm -rf .build
