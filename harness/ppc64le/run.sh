#!/bin/bash
# usage: harness/ppc64le/run.sh
#
# The ppc64le stage of the harness (issue 22, docs/ppc64le.md), the last step of scripts/test.sh;
# harness/run.sh is x86 only. It
#   1. builds the lab kernel once (build-kernel.sh: Debian's linux-source-6.12 cross-built for
#      pseries with CONFIG_LIVEPATCH, KVER 6.12.118-klplab) unless the cache already holds it;
#   2. splits Fixtures/ppc64le/modules/lp_ppc_split.ko (vmlinux + vfat, a fat export) with
#      'klp-split build' against that kernel's build tree and modules, and runs 'klp-split check'
#      on the parts;
#   3. boots the kernel under qemu-system-ppc64 -M pseries (TCG) with split-guest.sh as /init
#      and checks what the guest printed (PASS/FAIL lines).
# Exit 0 when every check passed.
#
# env: KLAB_CACHE (${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab; the kernel is in ppc64le/)
#      KLP_SPLIT (default .build/debug/klp-split, built with 'swift build --product klp-split'
#      when missing)   KLP_SPLIT_OUT_ROOT (output; default $KLAB_CACHE/ppc64le/klp-split)
#      TIMEOUT (qemu, 240 s)   SKIP_APT=1 (passed to build-kernel.sh)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export KLAB_CACHE=${KLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab}
PPC=$KLAB_CACHE/ppc64le
OUT=${KLP_SPLIT_OUT_ROOT:-$PPC/klp-split}
KLP_SPLIT=${KLP_SPLIT:-$ROOT/.build/debug/klp-split}
PASS=0 FAIL=0
T0=$(date +%s.%N)
ok()   { echo "PASS: $*"; PASS=$((PASS + 1)); }
bad()  { echo "FAIL: $*"; FAIL=$((FAIL + 1)); }
has()  { grep -qE -- "$3" "$2" && ok "$1: $4" || bad "$1: $4"; }       # has NAME LOG ERE TEXT
hasnt() { grep -qE -- "$3" "$2" && bad "$1: $4" || ok "$1: $4"; }
# rc_of LOG CMD [N]: the rc= line after the Nth (default 1st) "+ CMD" line
rc_of() { awk -v c="+ $2" -v n="${3:-1}" '$0 == c {k++; if (k == n) {f = 1; next}} f && /^rc=/ {print substr($0, 4); exit}' "$1"; }
rc_is() { [ "$(rc_of "$2" "$3" "${5:-1}")" = "$4" ] && ok "$1: $3 rc=$4" || bad "$1: $3 rc=$(rc_of "$2" "$3" "${5:-1}"), want $4"; }
secs()  { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

# ---- 1. the lab kernel (cached) ------------------------------------------------------------
s=$(date +%s.%N)
# the tools this stage runs itself, also when the kernel is cached (build-kernel.sh installs the rest)
missing=0
for c in qemu-system-ppc64 powerpc64le-linux-gnu-readelf cpio; do command -v "$c" >/dev/null || missing=1; done
if [ -z "${SKIP_APT:-}" ] && [ "$missing" = 1 ]; then
	apt-get install -y --no-install-recommends qemu-system-ppc binutils-powerpc64le-linux-gnu cpio >/dev/null ||
		{ echo "FAIL: apt-get install qemu-system-ppc binutils-powerpc64le-linux-gnu cpio"; exit 1; }
fi
if [ ! -f "$PPC/build/vmlinux" ] || [ ! -f "$PPC/build/include/config/kernel.release" ] || [ ! -d "$PPC/modroot/lib/modules" ]; then
	"$HERE/build-kernel.sh" || { echo "FAIL: build-kernel.sh"; exit 1; }
fi
KVER=$(cat "$PPC/build/include/config/kernel.release")
T_KERNEL=$(secs "$s")

# ---- 2. split and check ---------------------------------------------------------------------
s=$(date +%s.%N)
if [ ! -x "$KLP_SPLIT" ]; then
	(cd "$ROOT" && swift build --product klp-split >/dev/null) || { echo "FAIL: swift build"; exit 1; }
fi
WORLD=(-b "$PPC/modroot" -k "$KVER" --kdir "$PPC/build")
rm -rf "$OUT" && mkdir -p "$OUT"
"$KLP_SPLIT" build "$ROOT/Fixtures/ppc64le/modules/lp_ppc_split.ko" "${WORLD[@]}" -o "$OUT/parts" \
	> "$OUT/build.out" 2>&1 && ok "klp-split build lp_ppc_split.ko" || { cat "$OUT/build.out"; bad "klp-split build"; }
"$KLP_SPLIT" check "$OUT"/parts/*.ko "${WORLD[@]}" > "$OUT/check.out" 2>&1 &&
	ok "klp-split check on the parts: $(grep -E '^[0-9]+ error' "$OUT/check.out")" || { cat "$OUT/check.out"; bad "klp-split check"; }
powerpc64le-linux-gnu-readelf -rW "$OUT/parts/lp_ppc_split__vfat.ko" > "$OUT/vfat-part.relocs"
R=$OUT/vfat-part.relocs
grep -A3 "'.klp.rela.vfat..text.lp_ppc_split_vfat_get_tree'" "$R" | grep -q 'R_PPC64_REL24 .*\.klp\.sym\.vfat\.vfat_fill_super,0' &&
	ok "vfat part: .klp.rela.vfat..text.lp_ppc_split_vfat_get_tree has R_PPC64_REL24 to .klp.sym.vfat.vfat_fill_super,0" ||
	bad "vfat part: klp REL24"
grep -A4 "'.klp.rela.vfat..toc'" "$R" | grep -q 'R_PPC64_ADDR64 .*\.klp\.sym\.fat\.fat_fill_super,0' &&
	grep -A4 "'.klp.rela.vfat..toc'" "$R" | grep -q 'R_PPC64_ADDR64 .*\.klp\.sym\.vfat\.vfat_fill_super,0' &&
	ok "vfat part: .klp.rela.vfat..toc has R_PPC64_ADDR64 to vfat_fill_super and fat_fill_super" ||
	bad "vfat part: .klp.rela.vfat..toc"
"$KLP_SPLIT" convert "$ROOT/Fixtures/ppc64le/modules/lp_ppc_split.ko" "${WORLD[@]}" -o "$OUT/lp_ppc_split_converted.ko" \
	> "$OUT/convert.out" 2>&1 && ok "klp-split convert lp_ppc_split.ko" || { cat "$OUT/convert.out"; bad "klp-split convert"; }
"$KLP_SPLIT" check "$OUT/lp_ppc_split_converted.ko" "${WORLD[@]}" > "$OUT/check-convert.out" 2>&1 &&
	ok "klp-split check on the converted module: $(grep -E '^[0-9]+ error' "$OUT/check-convert.out")" || { cat "$OUT/check-convert.out"; bad "klp-split check (convert)"; }
"$HERE/mkinitramfs.sh" "$OUT/split.cpio" "$HERE/split-guest.sh" "$OUT/parts/lp_ppc_split.ko" \
	"$OUT/parts/lp_ppc_split__vfat.ko" "$OUT/lp_ppc_split_converted.ko" vfat > "$OUT/mkinitramfs.out" || { echo "FAIL: mkinitramfs"; exit 1; }
T_SPLIT=$(secs "$s")

# ---- 3. boot ----------------------------------------------------------------------------------
s=$(date +%s.%N)
L=$OUT/split.log
TIMEOUT=${TIMEOUT:-240} "$HERE/boot.sh" "$OUT/split.cpio" "$L" 2>/dev/null
T_BOOT=$(secs "$s")
has split "$L" '^### harness: done$' "guest ran to '### harness: done'"
rc_is split "$L" "insmod /lp/lp_ppc_split.ko" 0
has split "$L" "'lp_ppc_split': patching complete" "vmlinux part: 'patching complete'"
has split "$L" '^lp_ppc_split: cmdline patched$' "vmlinux part: /proc/cmdline is the replacement's"
rc_is split "$L" "insmod /lp/lp_ppc_split__vfat.ko" 0
has split "$L" '^    /vfat/vfat_get_tree,1$' "vfat part: sysfs vfat/vfat_get_tree,1"
for r in 1 2; do
	rc_is split "$L" "modprobe vfat" 0 "$r"
	[ "$(grep -c "livepatch: applying patch 'lp_ppc_split__vfat' to loading module 'vfat'" "$L")" -ge "$r" ] &&
		ok "split: round $r: the vfat part is applied to the loading vfat" || bad "split: round $r: the vfat part is applied to the loading vfat"
	has split "$L" "vfat_get_tree\(/dev/nonexistent-$r\): fill_super=vfat_fill_super\+0x0/0x[0-9a-f]+ \[vfat\] fat=fat_fill_super\+0x0/0x[0-9a-f]+ \[fat\]" \
		"round $r: the replacement runs; .klp.sym.vfat.vfat_fill_super and .klp.sym.fat.fat_fill_super resolved"
	rc_is split "$L" "rmmod vfat" 0 "$r"
	rc_is split "$L" "rmmod fat" 0 "$r"
done
has split "$L" "'lp_ppc_split__vfat': unpatching complete" "vfat part: 'unpatching complete'"
rc_is split "$L" "rmmod lp_ppc_split__vfat" 0
has split "$L" "'lp_ppc_split': unpatching complete" "vmlinux part: 'unpatching complete'"
rc_is split "$L" "rmmod lp_ppc_split" 0
hasnt split "$L" 'vfat_get_tree\(/dev/nonexistent-after\)' "after the parts are gone, vfat's own vfat_get_tree runs"
[ "$(grep -A1 -x '+ cat /proc/cmdline' "$L" | grep -c '^lp_ppc_split: cmdline patched$')" = 2 ] &&
	ok "split: /proc/cmdline patched only while the vmlinux part (then the converted module) is loaded" || bad "split: /proc/cmdline after unload"
rc_is convert "$L" "insmod /lp/lp_ppc_split_converted.ko" 0
has convert "$L" "vfat_get_tree\(/dev/nonexistent-convert\): fill_super=vfat_fill_super\+0x0/0x[0-9a-f]+ \[vfat\] fat=fat_fill_super\+0x0/0x[0-9a-f]+ \[fat\]" \
	"the converted module's vfat replacement runs, its klp symbols resolved"
rc_is convert "$L" "rmmod vfat" 0 3
rc_is convert "$L" "rmmod fat" 0 3
rc_is convert "$L" "rmmod lp_ppc_split" 0 2
hasnt split "$L" 'Expected nop after call|stub_for_addr|failed to initialize patch|Unknown symbol|Call Trace' \
	"no loader refusal, stub warning or oops"

echo "===== ppc64le: $PASS passed, $FAIL failed"
echo "  kernel (cache check or build): ${T_KERNEL} s   klp-split build+check+initramfs: ${T_SPLIT} s   boot: ${T_BOOT} s"
echo "harness/ppc64le/run.sh wall $(secs "$T0") s (log: $L)"
[ "$FAIL" = 0 ]
