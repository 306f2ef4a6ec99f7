#!/bin/bash
# usage: scripts/docs.sh [--update]
#
# Keeps the documentation honest; scripts/test.sh runs it in CI after the unit tests:
#   1. docs/cli.md equals what scripts/cli-reference.py renders from
#      `klp-split --experimental-dump-help` (the argument parser itself);
#   2. every command of docs/tutorial.md prints what the page shows, and the committed
#      docs/tutorial/lp_split.svg is what `plan --format svg` draws (scripts/tutorial.py);
#   3. the JSON of plan and check (goldens, every fixture, signed/malformed/unsigned modules)
#      validates against docs/schema/plan.v2.schema.json and check.v2.schema.json;
#   4. `make install PREFIX=<temp>` builds the release binary, generates the man page with
#      swift-argument-parser's generate-manual plugin and the bash/zsh/fish completions, and installs
#      them; the completions must parse (bash -n, zsh -n, fish -n when installed);
#   5. the livepatch Makefile of docs/install.md builds lp_cdrom.c with kbuild, splits and checks it
#      (when Debian's 6.1.0-56-amd64 headers are installed).
# --update rewrites docs/cli.md, the tutorial's outputs and its SVG instead of failing on a difference.
# The kernel lines the tutorial quotes are checked after the harness ran (scripts/test.sh).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
update=0
[ "${1:-}" = --update ] && update=1

swift build --product klp-split >/dev/null
klp_split="$(swift build --show-bin-path)/klp-split"

echo "[docs] docs/cli.md from klp-split --experimental-dump-help"
fresh=$(mktemp)
prefix=$(mktemp -d)
trap 'rm -rf "$fresh" "$prefix"' EXIT
"$klp_split" --experimental-dump-help | scripts/cli-reference.py > "$fresh"
if [ "$update" = 1 ]; then
	cp "$fresh" docs/cli.md
elif ! diff -u docs/cli.md "$fresh"; then
	echo "[docs] docs/cli.md is stale: run scripts/docs.sh --update and commit it" >&2
	exit 1
fi

echo "[docs] docs/tutorial.md: run every command, compare outputs and the SVG"
if [ "$update" = 1 ]; then
	KLP_SPLIT=$klp_split scripts/tutorial.py --update
else
	KLP_SPLIT=$klp_split scripts/tutorial.py
fi

echo "[docs] plan and check JSON against docs/schema/plan.v2.schema.json and check.v1.schema.json"
# python3 on PATH may be another interpreter (pyenv) than the one apt's python3-jsonschema is for.
python=
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c 'import jsonschema' 2>/dev/null; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "[docs] no python3 with jsonschema; run scripts/install-deps.sh" >&2; exit 1; }
KLP_SPLIT=$klp_split "$python" scripts/validate-json.py

echo "[docs] make install PREFIX=$prefix (release binary, man page, completions)"
make install PREFIX="$prefix" >/dev/null
for file in bin/klp-split share/man/man1/klp-split.1 share/bash-completion/completions/klp-split \
	share/zsh/site-functions/_klp-split share/fish/vendor_completions.d/klp-split.fish; do
	[ -s "$prefix/$file" ] || { echo "[docs] make install did not install $file" >&2; exit 1; }
done
grep -q '^\.Dt KLP-SPLIT 1' "$prefix/share/man/man1/klp-split.1"
grep -q 'Fl -sympos' "$prefix/share/man/man1/klp-split.1"
bash -n "$prefix/share/bash-completion/completions/klp-split"
if command -v zsh >/dev/null; then zsh -n "$prefix/share/zsh/site-functions/_klp-split"; fi
if command -v fish >/dev/null; then fish -n "$prefix/share/fish/vendor_completions.d/klp-split.fish"; fi
"$prefix/bin/klp-split" plan --help | grep -q -- '--format <format>'

headers=/usr/src/linux-headers-6.1.0-56-amd64
snippet_result="Makefile snippet NOT run (no headers)"
if [ -f "$headers/Makefile" ] && command -v make >/dev/null; then
	echo "[docs] docs/install.md's livepatch Makefile: kbuild, klp-split build and check of lp_cdrom.c as lp_fix.c"
	snippet="$prefix/snippet"
	mkdir -p "$snippet"
	python3 -c 'import re,sys; sys.stdout.write(re.search(r"```make\n(.*?)```", open("docs/install.md").read(), re.S).group(1))' > "$snippet/Makefile"
	cp Fixtures/src/lp_cdrom/lp_cdrom.c "$snippet/lp_fix.c"
	make -C "$snippet" KDIR="$headers" KLP_WORLD="$REPO/Fixtures/world" KALLSYMS="$REPO/Fixtures/world/proc/kallsyms" \
		KLP_SPLIT="$klp_split" > "$snippet/make.log" 2>&1 || { cat "$snippet/make.log" >&2; exit 1; }
	[ -f "$snippet/parts/lp_fix__cdrom.ko" ] && [ -f "$snippet/parts/load-order" ] \
		|| { echo "[docs] the Makefile snippet did not write the parts" >&2; exit 1; }
	grep -q '^0 error(s)' "$snippet/make.log"
	snippet_result="Makefile snippet built, split and checked lp_fix"
else
	echo "[docs] WARNING: $headers is not installed: docs/install.md's Makefile snippet was NOT run" >&2
fi
echo "[docs] ok: cli.md current, tutorial as shown, JSON valid, man page and completions installed into a temporary PREFIX, $snippet_result"
