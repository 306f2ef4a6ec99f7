#!/bin/bash
# usage: scripts/test.sh [--unit]
#
# The whole test suite, self-installing:
#   1. scripts/install-deps.sh (libelf-dev, libkmod-dev, ...)
#   2. swift test, debug and release (unit and fixture tests on the committed real .ko files), then
#      scripts/docs.sh (the tutorial's commands, docs/cli.md, make install of man page and completions)
#      scripts/malformed.py (the malformed-input corpus) and scripts/interrupt.py (SIGINT mid-build),
#      both against the release binary, and scripts/fuzz.sh --short (each libFuzzer target 40 s from its
#      committed seeds, docs/fuzzing.md)
#   3. scripts/corpus.sh: every .ko of the Debian kernel read, checked against readelf -W and
#      written back unchanged (docs/robustness.md)
#   4. the kernel acceptance harness: harness/setup.sh (qemu, busybox, the Debian 6.1.0-56-amd64
#      kernel into ${KLP_SPLIT_CACHE:-~/.cache/klp-split}); 'klp-split build' of the multi-object
#      fixture lp_split (and lp_klpbuild) and 'klp-split convert' of lp_twofiles and lp_cdrom into a
#      temporary directory; harness/run.sh boots the real kernel under qemu
#      TCG and checks every scenario of harness/scenarios, harness/scenarios-build (they load the
#      parts that build just wrote, after 'klp-split check' passed them, and the modules convert
#      wrote) and harness/scenarios-check (the kernel refuses check's broken fixtures with the
#      messages check quotes)
# --unit skips steps 3 and 4 and says so loudly; CI never passes it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
unit_only=0
[ "${1:-}" = --unit ] && unit_only=1

scripts/install-deps.sh
echo "[test] swift build --build-tests"
swift build --build-tests
echo "[test] swift test"
swift test
# Release builds are what users run; the optimizer has miscompiled code here before (see ELFWriter).
echo "[test] swift test -c release"
swift test -c release
# The tutorial's commands, docs/cli.md, the man page and the completions (docs/tutorial.md, docs/install.md).
echo "[test] scripts/docs.sh"
scripts/docs.sh

# The malformed-input corpus (docs/robustness.md): generated at run time from real fixtures.
echo "[test] scripts/malformed.py (every malformed kind x every command: one line, exit 1, no output, input unchanged)"
swift build -c release --product klp-split
python3 scripts/malformed.py "$(swift build -c release --show-bin-path)/klp-split" | grep -v "^ok "
echo "[test] scripts/interrupt.py (SIGINT during build and convert: output complete or absent, no temporary file)"
python3 scripts/interrupt.py "$(swift build -c release --show-bin-path)/klp-split"

# Coverage-guided fuzzing of every parser, short run (docs/fuzzing.md); fails on any crash.
echo "[test] scripts/fuzz.sh --short"
scripts/fuzz.sh --short

if [ "$unit_only" = 1 ]; then
	echo "[test] WARNING: --unit given: the kernel acceptance harness did NOT run" >&2
	exit 0
fi
echo "[test] harness/setup.sh"
harness/setup.sh
echo "[test] scripts/corpus.sh (all 4023 Debian 6.1.0-56-amd64 modules: read, counted against readelf, written back)"
scripts/corpus.sh
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
echo "[test] klp-split build Fixtures/modules/lp_split.ko -b Fixtures/world --sympos ucode_path=2 -o $parts"
klp_split="$(swift build -c release --show-bin-path)/klp-split"
"$klp_split" build Fixtures/modules/lp_split.ko -b Fixtures/world --sympos ucode_path=2 -o "$parts"
echo "[test] klp-split build Fixtures/modules/lp_klpbuild.ko -b Fixtures/world -o $parts"
"$klp_split" build Fixtures/modules/lp_klpbuild.ko -b Fixtures/world -o "$parts"
for lp in lp_twofiles lp_cdrom; do
	echo "[test] klp-split convert Fixtures/modules/$lp.ko -b Fixtures/world -o $parts/$lp.ko"
	"$klp_split" convert "Fixtures/modules/$lp.ko" -b Fixtures/world -o "$parts/$lp.ko"
done
echo "[test] klp-split check of the parts and of the converted modules (the release gate)"
"$klp_split" check "$parts"/lp_twofiles.ko -b Fixtures/world
"$klp_split" check "$parts"/lp_cdrom.ko -b Fixtures/world
"$klp_split" check "$parts"/lp_split.ko "$parts"/lp_split__*.ko -b Fixtures/world
"$klp_split" check "$parts"/lp_klpbuild.ko "$parts"/lp_klpbuild__*.ko -b Fixtures/world
echo "[test] harness/run.sh (harness/scenarios, harness/scenarios-build and harness/scenarios-check)"
KLP_SPLIT_OUT=$parts KLP_SPLIT_SCENARIOS=$REPO/harness/scenarios-build:$REPO/harness/scenarios-check harness/run.sh
echo "[test] the kernel output docs/tutorial.md quotes is in this run's split-eager log"
scripts/tutorial.py --kernel-log "${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}/harness/logs/split-eager.log"
echo "[test] harness/selftest.sh (the runner must fail deliberately broken scenarios)"
harness/selftest.sh
