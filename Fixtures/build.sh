#!/bin/bash
# usage: Fixtures/build.sh [NAME ...]
#
# Builds every livepatch fixture under Fixtures/src/<name>/ (or only the named
# ones) against the installed Debian kernel headers of KVER and copies the results
# to that kernel's fixture directory: Fixtures/modules/<name>.ko for 6.1.0-56-amd64,
# Fixtures/modules-6.12/<name>.ko for 6.12.118+deb12-amd64 (harness/lib/kernels.sh)
# (DWARF kept: klp-split reads the klp struct layout from it; nothing is stripped).
#
# Each fixture is built in a fresh temporary copy (the source tree stays
# clean).  For reproducible output the temporary directory is mapped to the
# fixed path /klp-split/Fixtures/src in DWARF and __FILE__
# (-ffile-prefix-map), KBUILD_BUILD_TIMESTAMP/USER/HOST are fixed and
# LC_ALL=C.  KBUILD_MODPOST_WARN=1: fixtures reference non-exported symbols
# on purpose (klp-split turns them into klp relocations later).
#
# env: KVER  kernel ABI name (default 6.1.0-56-amd64): the default KDIR and the
#            output directory
#      KDIR  kernel build dir (default /usr/src/linux-headers-$KVER)
#      OUT   output directory (default Fixtures/modules<suffix of KVER>)
#      CC    passed to kbuild if set (the headers expect gcc-12)
set -euo pipefail
FIX=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../harness/lib/kernels.sh
. "$FIX/../harness/lib/kernels.sh"
KVER=${KVER:-$KLP_SPLIT_FIRST_KERNEL}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
SRC=$FIX/src
OUT=${OUT:-$FIX/modules$(kernel_fixture_suffix "$KVER")}
MAPPED=/klp-split/Fixtures/src

say() { printf '[build] %s\n' "$*"; }
die() { printf 'Fixtures/build.sh: error: %s\n' "$*" >&2; exit 1; }

[ -f "$KDIR/Makefile" ] || die "no kernel build dir at $KDIR (install linux-headers-$KVER or set KDIR)"
export LC_ALL=C TZ=UTC
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970'
export KBUILD_BUILD_USER=klp-split KBUILD_BUILD_HOST=fixtures
unset KBUILD_EXTRA_SYMBOLS || true

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for d in "$SRC"/*/; do names+=("$(basename "$d")"); done
fi
[ ${#names[@]} -gt 0 ] || die "no fixtures under $SRC"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/klp-split-fixtures.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
say "KVER=$KVER  KDIR=$KDIR  out=$OUT  temp=$TMP (mapped to $MAPPED)"

MAKEARGS=()
[ -n "${CC:-}" ] && MAKEARGS+=("CC=$CC")

for n in "${names[@]}"; do
	[ -d "$SRC/$n" ] || die "no such fixture: $SRC/$n"
	say "== $n: copy $SRC/$n -> $TMP/$n"
	cp -a "$SRC/$n" "$TMP/$n"
	rm -f "$TMP/$n"/*.o "$TMP/$n"/*.ko "$TMP/$n"/*.mod* "$TMP/$n"/.*.cmd \
	      "$TMP/$n"/Module.symvers "$TMP/$n"/modules.order
	say "$n: make -C $KDIR M=$TMP/$n KBUILD_MODPOST_WARN=1 modules"
	make -s -C "$KDIR" M="$TMP/$n" KBUILD_MODPOST_WARN=1 \
		KCFLAGS="-ffile-prefix-map=$TMP=$MAPPED" "${MAKEARGS[@]}" modules 2>&1 |
		sed "s|$TMP|\$TMP|g; s|^|  [kbuild] |"
	[ -f "$TMP/$n/$n.ko" ] || die "$n: kbuild produced no $n.ko"
	if grep -a -q "$TMP" "$TMP/$n/$n.ko"; then
		die "$n: $n.ko still contains the temporary path $TMP"
	fi
	cp "$TMP/$n/$n.ko" "$OUT/$n.ko"
	say "$n: -> ${OUT#"$FIX"/}/$n.ko ($(stat -c %s "$OUT/$n.ko") bytes, sha256 $(sha256sum "$OUT/$n.ko" | cut -c1-16))"
done
say "done: ${#names[@]} module(s) in $OUT"
