# klp-split: build a release binary and install it with its man page and shell completions.
# docs/install.md explains every target.   make install PREFIX=$HOME/.local
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
BASHDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SWIFT   ?= swift
# The man page's date: the last commit's, so that the page is the same on every machine.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || echo 1970-01-01)
OUT := .build/install
# The Swift runtime linked in: the binary runs without the toolchain's libraries and starts about
# 3.5 ms sooner per command (docs/performance.md); SWIFT_BUILD_FLAGS=-c release links it dynamically.
SWIFT_BUILD_FLAGS ?= -c release --static-swift-stdlib

.PHONY: all build man completions install uninstall clean-install
all: build man completions

build:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product klp-split
	mkdir -p $(OUT)
	cp "$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/klp-split" $(OUT)/klp-split

# swift-argument-parser's GenerateManual plugin (no declaration needed: it comes with the dependency).
man: build
	$(SWIFT) package plugin generate-manual --date $(MAN_DATE) --authors "klp-split developers"
	mkdir -p $(OUT)
	cp .build/plugins/GenerateManual/outputs/klp-split/klp-split.1 $(OUT)/klp-split.1

completions: build
	$(OUT)/klp-split --generate-completion-script bash > $(OUT)/klp-split.bash
	$(OUT)/klp-split --generate-completion-script zsh > $(OUT)/_klp-split
	$(OUT)/klp-split --generate-completion-script fish > $(OUT)/klp-split.fish

install: all
	install -D -m 755 $(OUT)/klp-split "$(DESTDIR)$(BINDIR)/klp-split"
	install -D -m 644 $(OUT)/klp-split.1 "$(DESTDIR)$(MANDIR)/klp-split.1"
	install -D -m 644 $(OUT)/klp-split.bash "$(DESTDIR)$(BASHDIR)/klp-split"
	install -D -m 644 $(OUT)/_klp-split "$(DESTDIR)$(ZSHDIR)/_klp-split"
	install -D -m 644 $(OUT)/klp-split.fish "$(DESTDIR)$(FISHDIR)/klp-split.fish"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/klp-split" "$(DESTDIR)$(MANDIR)/klp-split.1" "$(DESTDIR)$(BASHDIR)/klp-split" \
	      "$(DESTDIR)$(ZSHDIR)/_klp-split" "$(DESTDIR)$(FISHDIR)/klp-split.fish"

clean-install:
	rm -rf $(OUT)
