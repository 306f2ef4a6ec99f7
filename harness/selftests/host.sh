#!/bin/bash
# usage: harness/selftests/host.sh KVER OUTDIR
#
# The host half of the selftests peer suite (issue 20, docs/harness.md "The kernel's own
# livepatch selftests"), for one kernel:
#   1. build the kernel's livepatch samples and selftest modules, extracted by
#      harness/setup.sh into $KLP_SPLIT_CACHE/kernel/KVER/livepatch-src/ (never vendored),
#      against /usr/src/linux-headers-KVER with -ffunction-sections -fdata-sections,
#      into OUTDIR/modules/ (with kbuild's Module.symvers, empty: they export nothing);
#   2. make a kernel world: Fixtures/world (or world-<series>) plus the modules that are
#      not livepatches (the patched targets: test_klp_callbacks_mod, livepatch-shadow-mod,
#      ...) in lib/modules/KVER/extra/, depmod -b, into OUTDIR/world/;
#   3. for every module: 'klp-split plan' (--format json); a module it accepts is built
#      ('klp-split build' into OUTDIR/parts/<name>/) and its parts checked ('klp-split
#      check'); a module plan refuses is checked as it is. The outcome ("clean": plan,
#      build and check exit 0; else "refused") and the ids of every error and warning of
#      plan and check must equal its line in harness/selftests/modules.<series>:
#      "PASS module test_klp_state [KVER] (clean)", else FAIL with both sides.
# Prints one line per module and "N passed, N failed"; exits 1 when anything failed.
#
# env: KLP_SPLIT ('klp-split' binary, default: swift build -c release --show-bin-path),
#      KLP_SPLIT_CACHE (as harness/setup.sh), KDIR (default /usr/src/linux-headers-KVER)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/kernels.sh
. "$REPO/harness/lib/kernels.sh"
[ $# -eq 2 ] || { echo "usage: harness/selftests/host.sh KVER OUTDIR" >&2; exit 64; }
KVER=$1 OUT=$2
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
SRC=$KLP_SPLIT_CACHE/kernel/$KVER/livepatch-src
SERIES=$(kernel_series "$KVER")
EXPECT=$HERE/modules.$SERIES
KLP_SPLIT=${KLP_SPLIT:-$(cd "$REPO" && swift build -c release --show-bin-path)/klp-split}
die() { printf 'harness/selftests/host.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '[selftests] %s\n' "$*"; }
[ -f "$SRC/tools/testing/selftests/livepatch/functions.sh" ] || die "$SRC missing: run harness/setup.sh"
[ -f "$KDIR/Makefile" ] || die "no kernel headers at $KDIR"
[ -f "$EXPECT" ] || die "no expectations for $SERIES: $EXPECT"
[ -x "$KLP_SPLIT" ] || die "no klp-split at $KLP_SPLIT"

# ---- 1. build ----
rm -rf "$OUT"
mkdir -p "$OUT/build" "$OUT/modules" "$OUT/parts"
cp "$SRC"/samples/livepatch/*.c "$OUT/build/"
if [ -d "$SRC/lib/livepatch" ]; then
	cp "$SRC"/lib/livepatch/test_klp_*.c "$OUT/build/"
else
	cp "$SRC"/tools/testing/selftests/livepatch/test_modules/test_klp_*.c "$OUT/build/"
fi
NAMES=()
for c in "$OUT"/build/*.c; do n=${c##*/}; NAMES+=("${n%.c}"); done
{
	echo "# written by harness/selftests/host.sh"
	for n in "${NAMES[@]}"; do echo "obj-m += $n.o"; done
	echo "ccflags-y += -ffunction-sections -fdata-sections"
} > "$OUT/build/Kbuild"
say "[$KVER] make -C $KDIR M=$OUT/build modules (${#NAMES[@]} modules)"
LC_ALL=C make -s -C "$KDIR" M="$OUT/build" modules 2>&1 | grep -v "Skipping BTF generation" | sed 's/^/  [kbuild] /' || true
for n in "${NAMES[@]}"; do
	[ -f "$OUT/build/$n.ko" ] || die "kbuild produced no $n.ko"
	cp "$OUT/build/$n.ko" "$OUT/modules/"
done
cp "$OUT/build/Module.symvers" "$OUT/Module.symvers"

# ---- 2. world ----
suffix=$(kernel_fixture_suffix "$KVER")
cp -a "$REPO/Fixtures/world$suffix" "$OUT/world"
chmod -R u+w "$OUT/world"
mkdir -p "$OUT/world/lib/modules/$KVER/extra"
is_livepatch() { [ "$(modinfo -F livepatch "$1" 2>/dev/null)" = Y ]; }
for ko in "$OUT"/modules/*.ko; do
	is_livepatch "$ko" || cp "$ko" "$OUT/world/lib/modules/$KVER/extra/"
done
depmod -b "$OUT/world" "$KVER"

# ---- 3. plan, build, check ----
# ids FILE...: the sorted, unique ids of errors and warnings in plan/check JSON outputs
ids() {
	python3 -c '
import json, sys
found = set()
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    if not text.strip():
        continue
    data = json.loads(text)
    for item in data.get("diagnostics", []) + data.get("findings", []):
        if item["severity"] in ("error", "warning"):
            found.add(item["id"])
print(" ".join(sorted(found)))' "$@"
}
passed=0 failed=0
world=(-b "$OUT/world" --symvers "$OUT/Module.symvers")
for ko in "$OUT"/modules/*.ko; do
	n=${ko##*/}; n=${n%.ko}
	log=$OUT/parts/$n.log
	outcome=clean
	: > "$OUT/parts/$n.plan.json"
	if "$KLP_SPLIT" plan "$ko" "${world[@]}" --format json > "$OUT/parts/$n.plan.json" 2> "$log"; then
		if "$KLP_SPLIT" build "$ko" "${world[@]}" -o "$OUT/parts/$n" >> "$log" 2>&1; then
			"$KLP_SPLIT" check "$OUT/parts/$n"/*.ko "${world[@]}" --format json > "$OUT/parts/$n.check.json" 2>> "$log" || outcome=refused
		else
			outcome=refused
		fi
	else
		outcome=refused
		"$KLP_SPLIT" check "$ko" "${world[@]}" --format json > "$OUT/parts/$n.check.json" 2>> "$log" || true
	fi
	got="$outcome $(ids "$OUT/parts/$n.plan.json" "$OUT/parts/$n.check.json")"
	got=${got% }
	line=$(awk -v m="$n" '$1 == m { $1 = ""; sub(/^ /, ""); sub(/[ \t]*#.*/, ""); print; exit }' "$EXPECT")
	if [ -z "$line" ]; then
		echo "FAIL module $n [$KVER] (not listed in ${EXPECT#"$REPO"/}; got: $got)"
		failed=$((failed + 1))
	elif [ "$(echo $line)" = "$got" ]; then
		echo "PASS module $n [$KVER] ($got)"
		passed=$((passed + 1))
	else
		echo "FAIL module $n [$KVER] (expected: $(echo $line); got: $got; see $log)"
		sed 's/^/  /' "$log" | head -5
		failed=$((failed + 1))
	fi
done
# every listed module was built
while read -r m _; do
	[ -n "$m" ] && [ "${m:0:1}" != "#" ] || continue
	[ -f "$OUT/modules/$m.ko" ] || { echo "FAIL module $m [$KVER] (listed in ${EXPECT#"$REPO"/} but not built)"; failed=$((failed + 1)); }
done < "$EXPECT"
# ---- 4. what the guest gets (harness/scenarios-selftests/selftests): the upstream scripts,
# the selftest modules as built (debug info stripped) in guest/test_modules/ ("unsplit"), and
# in guest/split/test_modules/ each livepatch replaced by what 'klp-split build' wrote: a
# livepatch of one object is one part of the same name, so upstream's expected text holds as
# it is (docs/harness.md, "the split rule"). A livepatch of several objects
# (test_klp_callbacks_demo) is all its parts, as written (not stripped), and every script that
# loads it is rewritten by split-script.py into guest/split/ (docs/harness.md, "The multi-part
# rule"): its loads become the parts' in load-order, its expected text the derived one; a case
# the rule cannot express is left out and listed in guest/split/skip-cases with the reason. A
# script that loads no livepatch (test-shadow-vars.sh: nothing to split) is listed in
# guest/split/skip.
mkdir -p "$OUT/guest/test_modules" "$OUT/guest/split/test_modules"
multi=() single=()
for n in "${NAMES[@]}"; do
	case $n in test_klp_*) ;; *) continue ;; esac
	strip --strip-debug -o "$OUT/guest/test_modules/$n.ko" "$OUT/modules/$n.ko"
	if ! is_livepatch "$OUT/modules/$n.ko"; then
		cp "$OUT/guest/test_modules/$n.ko" "$OUT/guest/split/test_modules/"
		continue
	fi
	parts=("$OUT/parts/$n"/*.ko)
	if [ ${#parts[@]} -eq 1 ] && [ "${parts[0]##*/}" = "$n.ko" ]; then
		strip --strip-debug -o "$OUT/guest/split/test_modules/$n.ko" "${parts[0]}"
		single+=("$n")
	else
		[ -f "$OUT/parts/$n/load-order" ] || die "$n: several parts but no load-order in $OUT/parts/$n"
		cp "${parts[@]}" "$OUT/guest/split/test_modules/"
		multi+=("$n")
	fi
done
cp "$SRC"/tools/testing/selftests/livepatch/functions.sh "$SRC"/tools/testing/selftests/livepatch/test-*.sh "$OUT/guest/"
cp "$SRC"/tools/testing/selftests/livepatch/functions.sh "$OUT/guest/split/"
: > "$OUT/guest/split/skip"
: > "$OUT/guest/split/skip-cases"
# "SCRIPT -" in guest/split/skip: the script loads no livepatch at all (test-shadow-vars.sh), so
# its split run would be its unsplit run again
for script in "$OUT"/guest/test-*.sh; do
	# the four scripts the guest runs (guest.sh)
	case ${script##*/} in test-livepatch.sh | test-callbacks.sh | test-shadow-vars.sh | test-state.sh) ;; *) continue ;; esac
	loads=()
	for n in "${multi[@]}"; do grep -qw "$n" "$script" && loads+=("$n"); done
	if [ ${#loads[@]} -gt 1 ]; then
		die "${script##*/} loads several livepatches of several parts (${loads[*]}): split-script.py rewrites one"
	elif [ ${#loads[@]} -eq 1 ]; then
		n=${loads[0]}
		python3 "$HERE/split-script.py" "$script" "$n" "$OUT/parts/$n/load-order" "$OUT/parts/$n.plan.json" \
			"$OUT/guest/split/${script##*/}" "$OUT/guest/split/skip-cases" || die "split-script.py failed on ${script##*/}"
		continue
	fi
	reason=-
	for n in "${single[@]}"; do grep -qw "$n" "$script" && reason= && break; done
	[ -z "$reason" ] || echo "${script##*/} $reason" >> "$OUT/guest/split/skip"
done
tar -C "$OUT/guest" -cf "$OUT/guest.tar" .
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
