# drwatch: the two commands of the README, and the pieces they are made of.
SHELL := /bin/bash
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: setup build release demo test bench install man deb clean

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
	$(GENERATE_MANUAL)
	@# On failure, repeat what failed at the end, where a CI log's tail shows it.
	$(SWIFT) test --skip-build 2>&1 | tee .build/test.log; rc=$${PIPESTATUS[0]}; \
	  if [ $$rc != 0 ]; then echo "== what failed (from .build/test.log):"; \
	    grep -a -E '✘|recorded an issue|error:|Fatal error|Crash|signal' .build/test.log | tail -40; fi; exit $$rc
	if [ "$(FUZZ_SECONDS)" != 0 ]; then FUZZ_SEED=1 bash scripts/fuzz $(FUZZ_SECONDS); fi

## Benchmarks (release build); figures go into the issue notes.
bench: release
	.build/release/drwatch-bench all

## Manual pages of drwatch and each subcommand, from the command definitions: swift-argument-parser's
## generate-manual plugin, run on the debug build (same commands as the release one), dated by the commit.
## (make test runs it too, so that the package test sees the pages.)
MANUAL := .build/plugins/GenerateManual/outputs/drwatch
GENERATE_MANUAL = $(SWIFT) package generate-manual --configuration debug --multi-page \
	  --date "$$(git log -1 --format=%cs 2>/dev/null || date -u +%F)" --authors "drwatch maintainers"
man: build
	$(GENERATE_MANUAL)

## Install as a systemd service (release binary with the Swift runtime linked in); DESTDIR/PREFIX supported.
install: setup man
	MANUAL_DIR=$(MANUAL) bash scripts/install

## The Debian package (README "Install from a package"): the static release binary, then lintian.
## VERSION defaults to the binary's own (drwatch --version); DEB_COMPRESSION=xz.
DEB_DIR ?= .build/deb
deb: setup man
	$(SWIFT) build -c release --static-swift-stdlib --product drwatch
	bin="$$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/drwatch"; \
	version="$${VERSION:-$$("$$bin" --version | sed -n '1s/^drwatch //p')}"; \
	deb="$$(MANUAL_DIR=$(MANUAL) bash scripts/build-deb "$$bin" "$$version" $(DEB_DIR))" && \
	echo "built $$deb" && lintian --fail-on error,warning --display-info "$$deb" && echo "lintian: clean (overrides with reasons in packaging/debian/lintian-overrides)"

clean:
	rm -rf .build demo
