#!/bin/bash
# usage: scripts/corpus.sh [--no-round-trip]
#
# The full real corpus test (docs/robustness.md): every .ko of Debian 6.1.0-56-amd64 in the kernel
# harness cache (${KLP_SPLIT_CACHE:-~/.cache/klp-split}/kernel/6.1.0-56-amd64/image, filled by
# harness/setup.sh) is read by the release klp-split-corpus (our ELF and Livepatch code: sections,
# symbols, relocations, .modinfo, __versions) and written back unchanged through ELFImage and
# ELFWriter; scripts/corpus-compare.py checks every count and the round trip against readelf -W on
# both cores. Exit 1 on any read error, count mismatch or round-trip difference, or when the cache
# does not hold exactly 4023 modules.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
RELEASE=6.1.0-56-amd64
CACHE=${KLP_SPLIT_CACHE:-$HOME/.cache/klp-split}
ROOT=$CACHE/kernel/$RELEASE/image/lib/modules/$RELEASE
EXPECTED=4023
round_trip=1
[ "${1:-}" = --no-round-trip ] && round_trip=0

if [ ! -d "$ROOT/kernel" ]; then
	echo "corpus: $ROOT: no modules; run harness/setup.sh first" >&2
	exit 1
fi
swift build -c release --product klp-split-corpus
tool="$(swift build -c release --show-bin-path)/klp-split-corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$ROOT" && find . -name '*.ko' -type f | sed 's|^\./||' | LC_ALL=C sort) >"$work/list"
found=$(wc -l <"$work/list")
if [ "$found" -ne "$EXPECTED" ]; then
	echo "corpus: $ROOT holds $found .ko files, expected $EXPECTED" >&2
	exit 1
fi
status=0
if [ "$round_trip" = 1 ]; then
	"$tool" "$ROOT" --write-to "$work/out" <"$work/list" >"$work/counts" || status=1
	out=$work/out
else
	"$tool" "$ROOT" <"$work/list" >"$work/counts" || status=1
	out=-
fi
python3 scripts/corpus-compare.py "$ROOT" "$out" "$work/counts" 2 || status=1
exit $status
