# drwatch: the two commands of the README, and the pieces they are made of.
SHELL := /bin/bash
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: setup build release demo test bench install clean

setup:
	@bash scripts/setup

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

## The main job: the daemon on its embedded default (SQLite + file transport), with demo disputes.
demo: build
	@bash scripts/demo

## Every test: unit, store, delivery against real local servers, end to end through the binary;
## then every fuzz target for FUZZ_SECONDS each (docs/security.md; FUZZ_SECONDS=0 skips them).
FUZZ_SECONDS ?= 10
test: setup
	$(SWIFT) build --build-tests
	@# On failure, repeat what failed at the end, where a CI log's tail shows it.
	$(SWIFT) test --skip-build 2>&1 | tee .build/test.log; rc=$${PIPESTATUS[0]}; \
	  if [ $$rc != 0 ]; then echo "== what failed (from .build/test.log):"; \
	    grep -a -E '✘|recorded an issue|error:|Fatal error|Crash|signal' .build/test.log | tail -40; fi; exit $$rc
	if [ "$(FUZZ_SECONDS)" != 0 ]; then FUZZ_SEED=1 bash scripts/fuzz $(FUZZ_SECONDS); fi

## Benchmarks (release build); figures go into the issue notes.
bench: release
	.build/release/drwatch-bench all

## Install as a systemd service (release binary with the Swift runtime linked in); DESTDIR/PREFIX supported.
install: setup
	bash scripts/install

clean:
	rm -rf .build demo
