#!/bin/bash
# usage: Fixtures/world.sh
#
# Regenerates the trimmed Debian "kernel world" of KVER, laid out as an install
# root, in that kernel's fixture directory (harness/lib/kernels.sh):
# Fixtures/world/ for 6.1.0-56-amd64, Fixtures/world-6.12/ for 6.12.118+deb12-amd64.
#
#   lib/modules/$KVER/kernel/drivers/cdrom/cdrom.ko[.xz]       real Debian modules,
#   lib/modules/$KVER/kernel/drivers/scsi/sr_mod.ko[.xz]       copied byte for byte
#   lib/modules/$KVER/kernel/drivers/scsi/scsi_mod.ko[.xz]     from the unpacked
#   lib/modules/$KVER/kernel/drivers/scsi/scsi_common.ko[.xz]  linux-image package,
#   lib/modules/$KVER/kernel/fs/fat/fat.ko[.xz]                compressed or not, as
#   lib/modules/$KVER/kernel/fs/fat/vfat.ko[.xz]               the package ships them
#   lib/modules/$KVER/modules.{builtin,builtin.modinfo,order}   copied from the image
#   lib/modules/$KVER/modules.dep, *.bin, ...               written by depmod -b
#   usr/src/linux-headers-$KVER/Module.symvers            verbatim from the headers
#
# <world>/proc/kallsyms is NOT written here (it is a real /proc/kallsyms dump
# produced by the harness scenario kallsyms-dump); this script leaves it alone.
#
# Input: the unpacked linux-image package that harness/setup.sh puts into
# ${KLP_SPLIT_CACHE:-$HOME/.cache/klp-split}/kernel/$KVER/image/ (override with
# IMAGE=<dir>), and /usr/src/linux-headers-$KVER (override with KDIR=<dir>).
# The module set is sr_mod + cdrom (sr_mod depends on cdrom), fat (the
# "unrelated" module of lp_multi), vfat (depends on fat: the C/D layout of
# lp_exports) and, recursively, their modinfo dependencies (scsi_mod, scsi_common).
#
# env: KVER (default 6.1.0-56-amd64), IMAGE, KDIR, WORLD (default the kernel's
#      fixture directory), ROOTS (space-separated module names)
set -euo pipefail
FIX=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../harness/lib/kernels.sh
. "$FIX/../harness/lib/kernels.sh"
KVER=${KVER:-$KLP_SPLIT_FIRST_KERNEL}
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
IMAGE=${IMAGE:-$KLP_SPLIT_CACHE/kernel/$KVER/image}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
WORLD=${WORLD:-$FIX/world$(kernel_fixture_suffix "$KVER")}
read -r -a ROOTS <<< "${ROOTS:-sr_mod cdrom fat vfat}"

say() { printf '[world] %s\n' "$*"; }
die() { printf 'Fixtures/world.sh: error: %s\n' "$*" >&2; exit 1; }

SRCMOD=$IMAGE/lib/modules/$KVER
[ -d "$SRCMOD/kernel" ] || die "$SRCMOD/kernel missing: run harness/setup.sh (or set IMAGE=<unpacked linux-image-$KVER>)"
[ -f "$KDIR/Module.symvers" ] || die "$KDIR/Module.symvers missing (linux-headers-$KVER)"
for c in depmod modinfo; do command -v $c >/dev/null || die "$c not found (kmod)"; done
export LC_ALL=C

# resolve the module set: roots + recursive dependencies (modinfo depends=,
# i.e. what modpost recorded), as paths relative to lib/modules/$KVER
declare -A want=()
resolve() {	# $1 = module name
	local f rel dep
	f=$(find "$SRCMOD/kernel" \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" \
		-o -name "$1.ko.gz" \) -print -quit)
	[ -n "$f" ] || die "module $1 not found under $SRCMOD/kernel"
	rel=${f#"$SRCMOD"/}
	[ -n "${want[$rel]:-}" ] && return 0
	want[$rel]=1
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		resolve "$dep"
	done
}
for m in "${ROOTS[@]}"; do resolve "$m"; done

say "KVER:    $KVER -> ${WORLD#"$FIX"/}"
say "image:   $IMAGE"
say "headers: $KDIR"
say "modules: $(printf '%s\n' "${!want[@]}" | sort | tr '\n' ' ')"

rm -rf "$WORLD/lib" "$WORLD/usr"
DST=$WORLD/lib/modules/$KVER
mkdir -p "$DST"
for rel in $(printf '%s\n' "${!want[@]}" | sort); do
	mkdir -p "$DST/$(dirname "$rel")"
	# as shipped: 6.12's .ko.xz stay compressed (and signed), so klp-split reads
	# exactly what the kernel package installs
	cp --preserve=timestamps "$SRCMOD/$rel" "$DST/$rel"
	say "  $rel ($(stat -c %s "$SRCMOD/$rel") bytes)"
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	cp --preserve=timestamps "$SRCMOD/$f" "$DST/$f"
	say "  $f (copied)"
done

say "depmod -b $WORLD $KVER"
depmod -b "$WORLD" "$KVER"
say "modules.dep:"
sed 's/^/    /' "$DST/modules.dep"

mkdir -p "$WORLD/usr/src/linux-headers-$KVER"
cp --preserve=timestamps "$KDIR/Module.symvers" "$WORLD/usr/src/linux-headers-$KVER/Module.symvers"
say "usr/src/linux-headers-$KVER/Module.symvers ($(wc -l < "$KDIR/Module.symvers") lines, verbatim)"

[ -f "$WORLD/proc/kallsyms" ] && say "proc/kallsyms present (not touched): $(wc -l < "$WORLD/proc/kallsyms") lines" ||
	say "proc/kallsyms absent (written by the harness, not by this script)"
say "size: $(du -sh "$WORLD" | cut -f1)"
