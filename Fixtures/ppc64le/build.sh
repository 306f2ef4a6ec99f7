#!/bin/bash
# usage: Fixtures/ppc64le/build.sh [NAME ...]
#
# Builds the ppc64le livepatch fixtures under Fixtures/ppc64le/src/<name>/ (or only
# the named ones) with gcc-powerpc64le-linux-gnu against the lab kernel's build tree
# (/work/shared/kernel-lab/ppc64le/build.sh: a pseries 6.12.118 kernel with
# CONFIG_LIVEPATCH, KVER 6.12.118-klplab) into Fixtures/ppc64le/modules/, and writes
# the trimmed world of that kernel into Fixtures/ppc64le/world/, and the check fixtures into
# Fixtures/ppc64le/check/ (below):
#
#   boot/System.map-$KVER                            the build tree's System.map
#   usr/src/linux-headers-$KVER/Module.symvers       the build tree's Module.symvers
#   lib/modules/$KVER/kernel/fs/fat/{fat,vfat}.ko    from the modules_install tree
#   lib/modules/$KVER/modules.{order,builtin,builtin.modinfo}, modules.dep ...
#                                                    copied, then depmod -b
#
# Like Fixtures/build.sh: a fresh temporary copy per fixture, the temporary path
# mapped to /klp-split/Fixtures/ppc64le/src, fixed KBUILD_BUILD_* and LC_ALL=C,
# KBUILD_MODPOST_WARN=1 (fixtures name non-exported symbols on purpose).  -g: the
# lab kernel has no debug info, and klp-split reads the klp struct layout from the
# module's own DWARF.
#
# env: KLAB_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab): the lab's cache
set -euo pipefail
FIX=$(cd "$(dirname "$0")" && pwd)
KLAB_CACHE=${KLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab}
KDIR=$KLAB_CACHE/ppc64le/build
MODROOT=$KLAB_CACHE/ppc64le/modroot
SRC=$FIX/src
OUT=$FIX/modules
WORLD=$FIX/world
MAPPED=/klp-split/Fixtures/ppc64le/src

say() { printf '[ppc64le] %s\n' "$*"; }
die() { printf 'Fixtures/ppc64le/build.sh: error: %s\n' "$*" >&2; exit 1; }

[ -f "$KDIR/Module.symvers" ] || die "no lab kernel build at $KDIR (run /work/shared/kernel-lab/ppc64le/build.sh)"
KVER=$(cat "$KDIR/include/config/kernel.release")
export LC_ALL=C TZ=UTC
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970'
export KBUILD_BUILD_USER=klp-split KBUILD_BUILD_HOST=fixtures
unset KBUILD_EXTRA_SYMBOLS || true

if [ $# -gt 0 ]; then names=("$@"); else
	names=(); for d in "$SRC"/*/; do names+=("$(basename "$d")"); done
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/klp-split-ppc64le.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
for n in "${names[@]}"; do
	[ -d "$SRC/$n" ] || die "no such fixture: $SRC/$n"
	cp -a "$SRC/$n" "$TMP/$n"
	say "$n: make -C $KDIR ARCH=powerpc M=\$TMP/$n modules"
	make -s -C "$KDIR" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- M="$TMP/$n" \
		KBUILD_MODPOST_WARN=1 KCFLAGS="-g -ffile-prefix-map=$TMP=$MAPPED" modules 2>&1 |
		sed "s|$TMP|\$TMP|g; s|^|  [kbuild] |"
	[ -f "$TMP/$n/$n.ko" ] || die "$n: kbuild produced no $n.ko"
	cp "$TMP/$n/$n.ko" "$OUT/$n.ko"
	say "$n: -> modules/$n.ko ($(stat -c %s "$OUT/$n.ko") bytes)"
done

# check fixtures: klp relocations made by the lab's klp-mini-convert.py (a lab-only klp-convert;
# independent of klp-split, whose own output they must not depend on), each breaking one ppc64le check rule.
CONVERT=${KLAB_TOOLS:-/work/shared/kernel-lab/ppc64le/tools}/klp-mini-convert.py
if [ -f "$OUT/lp_ppc_toc16.ko" ] && [ -f "$OUT/lp_ppc_split.ko" ]; then
	mkdir -p "$FIX/check"
	python3 "$CONVERT" "$OUT/lp_ppc_toc16.ko" "$FIX/check/ppc64-toc16-klp-rela.ko" vfat vfat_fs_type vfat_fill_super
	python3 "$CONVERT" "$OUT/lp_ppc_split.ko" "$FIX/check/ppc64-stubs-reload.ko" vfat vfat_fill_super
	python3 "$FIX/nop-breaker.py" "$FIX/check/ppc64-stubs-reload.ko" "$FIX/check/ppc64-klp-call-without-nop.ko"
	python3 "$FIX/stubs-remover.py" "$FIX/check/ppc64-stubs-reload.ko" "$FIX/check/ppc64-no-stubs.ko"
	say "check fixtures -> check/"
fi

say "world of $KVER -> world/"
rm -rf "$WORLD"
M=$WORLD/lib/modules/$KVER
mkdir -p "$M/kernel/fs/fat" "$WORLD/boot" "$WORLD/usr/src/linux-headers-$KVER"
cp "$KDIR/System.map" "$WORLD/boot/System.map-$KVER"
cp "$KDIR/Module.symvers" "$WORLD/usr/src/linux-headers-$KVER/Module.symvers"
for m in fat vfat; do cp "$MODROOT/lib/modules/$KVER/kernel/fs/fat/$m.ko" "$M/kernel/fs/fat/"; done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$MODROOT/lib/modules/$KVER/$f" ] && cp "$MODROOT/lib/modules/$KVER/$f" "$M/"
done
grep -E '^kernel/fs/fat/(v?fat)\.ko$' "$M/modules.order" > "$M/modules.order.new" || true
mv "$M/modules.order.new" "$M/modules.order"
depmod -b "$WORLD" "$KVER"
say "done: ${#names[@]} module(s), world $KVER"
