# SecureNets: the two set-up commands of the README, and a few more.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: demo test build release bench bench-pipeline services-up services-down clean

## Start the services, build, run a verifier and two workers, submit the bundled sample, show results.
demo:
	scripts/demo.sh

## Install and start what the tests need (Debian packages, RabbitMQ, PostgreSQL), run the whole suite,
## then a short libFuzzer run over every decoder (scripts/fuzz/ci.sh).
test: services-up
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel
	scripts/fuzz/ci.sh

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

services-up:
	infra/local/up

services-down:
	infra/local/down

clean:
	rm -rf .build
