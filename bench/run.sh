#!/bin/bash
# usage: bench/run.sh [-r RUNS]
#
# The klp-split performance benchmarks on the full Debian 6.1.0-56-amd64 world (4023 modules) and
# the full 6.12.118+deb12-amd64 world as Debian ships it (.ko.xz, against xz -dc of the same files),
# kept out of the test suite (docs/performance.md). Every measurement runs side by side with its
# reference in the same run, alternating, RUNS times (default 11) after one untimed run of each
# (page cache warm), and prints medians and ratios; a summary table follows.
#
#   1. the world: harness/setup.sh's cache ($KLP_SPLIT_CACHE/kernel/$KVER/image, run when missing),
#      assembled as an install root for -b in $KLP_SPLIT_CACHE/bench/world (symlinks: lib/modules/REL,
#      usr/src/linux-headers-REL/Module.symvers, proc/kallsyms -> Fixtures/world/proc/kallsyms)
#   2. swift build -c release --static-swift-stdlib (klp-split and the benchmark-only klp-split-bench;
#      the flags make install uses)
#   3. bench/gen-livepatch.py: generated livepatches of N functions over M modules + vmlinux
#      (N/M = 50/3, 100/5, 200/10, 400/20), built with kbuild into $KLP_SPLIT_CACHE/bench/gen
#   4. measurements (bench/timer.py), then peak RSS (/usr/bin/time -v)
#
# env: KLP_SPLIT_CACHE  cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/klp-split)
#      RUNS             repetitions (default 11; -r wins)
#      SKIP_APT=1       passed to harness/setup.sh; never apt-get install here
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
KVER=6.1.0-56-amd64
CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
RUNS=${RUNS:-11}
if [ "${1:-}" = -r ]; then RUNS=$2; shift 2; fi
[ $# -eq 0 ] || { echo "usage: bench/run.sh [-r RUNS]" >&2; exit 64; }

say() { printf '[bench] %s\n' "$*"; }
die() { printf 'bench/run.sh: error: %s\n' "$*" >&2; exit 1; }

# ---- tools ------------------------------------------------------------------------------------
missing=()
command -v objcopy >/dev/null || missing+=(binutils)
command -v eu-readelf >/dev/null || missing+=(elfutils)
command -v strace >/dev/null || missing+=(strace)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
	[ "${SKIP_APT:-0}" = 1 ] && die "missing packages: ${missing[*]} (SKIP_APT=1)"
	SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
	say "apt-get install -y --no-install-recommends ${missing[*]}"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---- 1. the world ----------------------------------------------------------------------------------
IMAGE=$CACHE/kernel/$KVER/image
MODDIR=$IMAGE/lib/modules/$KVER
if [ ! -s "$MODDIR/modules.dep" ]; then
	say "no unpacked linux-image-$KVER in $IMAGE: harness/setup.sh"
	KVER=$KVER KLP_SPLIT_CACHE=$CACHE "$REPO/harness/setup.sh"
fi
SYMVERS=/usr/src/linux-headers-$KVER/Module.symvers
[ -s "$SYMVERS" ] || die "$SYMVERS missing (package linux-headers-$KVER; harness/setup.sh installs it)"
WORLD=$CACHE/bench/world
mkdir -p "$WORLD/lib/modules" "$WORLD/usr/src/linux-headers-$KVER" "$WORLD/proc"
ln -sfn "$MODDIR" "$WORLD/lib/modules/$KVER"
ln -sfn "$SYMVERS" "$WORLD/usr/src/linux-headers-$KVER/Module.symvers"
ln -sfn "$REPO/Fixtures/world/proc/kallsyms" "$WORLD/proc/kallsyms"
say "world: $WORLD ($(grep -c . "$MODDIR/modules.dep") modules)"

# ---- 2. release build -----------------------------------------------------------------------------
say "swift build -c release --static-swift-stdlib"
(cd "$REPO" && swift build -c release --static-swift-stdlib 2>&1 | tail -1)
BIN=$(cd "$REPO" && swift build -c release --static-swift-stdlib --show-bin-path)
KS=$BIN/klp-split
KB=$BIN/klp-split-bench

# ---- 3. generated livepatches ----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/klp-split-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SIZES=("50 3" "100 5" "200 10" "400 20")
declare -A LP
for size in "${SIZES[@]}"; do
	set -- $size
	LP[$1]=$(python3 "$REPO/bench/gen-livepatch.py" -n "$1" -m "$2" --world "$IMAGE" 2>"$WORK/gen.err") ||
		{ cat "$WORK/gen.err" >&2; die "bench/gen-livepatch.py -n $1 -m $2 failed"; }
	say "generated $(sed "s|$CACHE|\$CACHE|; s|\t| (functions per object: |; s|\$|)|" "$WORK/gen.err")"
done

# ---- machine ----------------------------------------------------------------------------------------
say "machine: nproc $(nproc), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "klp-split $(cd "$REPO" && git rev-parse --short HEAD)$(cd "$REPO" && git diff --quiet HEAD -- Sources Package.swift || echo '+changes'), $RUNS runs each, median of wall time (cpu = user+sys)"
TIMER=(python3 "$REPO/bench/timer.py" -r "$RUNS")
RESULTS=$WORK/results
: > "$RESULTS"
# record LABEL GOAL JSON: one summary row per measurement
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }

# Regular files a command opened (strace), without the dynamic loader's, the toolchain's and /dev, /proc/self, /sys.
opened_files() {
	strace -f -qq -e trace=openat -e status=successful -o "$WORK/strace" "$@" >/dev/null 2>&1 || true
	sed -n 's/.*openat([^"]*"\([^"]*\)".*/\1/p' "$WORK/strace" | sort -u | while read -r f; do
		case "$f" in /etc/*|/lib/*|/lib64/*|/usr/lib/*|/opt/*|/dev/*|/proc/self/*|/sys/*|*.so|*.so.*) continue ;; esac
		[ -f "$f" ] && readlink -f "$f"
	done | sort -u
}

# ---- 4a. indexing the full world ------------------------------------------------------------------------
echo
echo "== index: the full world (every .ko symtab, Module.symvers, modules.dep via libkmod, kallsyms) vs cat of the same files"
"$KB" files -b "$WORLD" > "$WORK/index.files"
echo "   $("$KB" index -b "$WORLD")"
echo "   files: $(wc -l < "$WORK/index.files") ($(xargs -a "$WORK/index.files" du -cbL | tail -1 | awk '{printf "%.0f MiB", $1/1048576}'))"
"${TIMER[@]}" --json "$WORK/index.json" -l "klp-split-bench index (2 workers)" -l "cat" \
	-- "$KB" index -b "$WORLD" -- "cat \$(<$WORK/index.files) >/dev/null"
record "index the full world vs cat" "1.3" "$WORK/index.json"

# ---- 4b. plan of the multi-object fixture --------------------------------------------------------------
echo
echo "== plan: Fixtures/modules/lp_multi.ko against the full world vs cat of the files it reads (strace)"
PLAN=("$KS" plan "$REPO/Fixtures/modules/lp_multi.ko" -b "$WORLD")
opened_files "${PLAN[@]}" > "$WORK/plan.files"
echo "   files: $(tr '\n' ' ' < "$WORK/plan.files" | sed "s|$CACHE|\$CACHE|g; s|$REPO/||g")"
"${TIMER[@]}" --allow-2 --json "$WORK/plan.json" -l "klp-split plan lp_multi.ko" -l "cat" \
	-- "${PLAN[*]}" -- "cat \$(<$WORK/plan.files) >/dev/null"
record "plan lp_multi.ko vs cat" "2.0" "$WORK/plan.json"

# ---- 4c. build of the generated livepatches ----------------------------------------------------------------
for size in "${SIZES[@]}"; do
	set -- $size
	n=$1 m=$2 parts=$(($2 + 1))
	lp=${LP[$n]}
	echo
	echo "== build: N=$n functions over M=$m modules + vmlinux into P=$parts parts vs $parts runs of objcopy"
	mkdir -p "$WORK/out$n" "$WORK/objcopy$n"
	"$KS" build "$lp" -b "$WORLD" -o "$WORK/out$n" | sed 's/^/   /; s|'"$WORK"'|$WORK|'
	copies="for i in \$(seq $parts); do objcopy $lp $WORK/objcopy$n/\$i.ko; done"
	"${TIMER[@]}" --json "$WORK/build$n.json" -l "klp-split build (N=$n, P=$parts)" -l "$parts× objcopy" \
		-- "$KS" build "$lp" -b "$WORLD" -o "$WORK/out$n" -- "$copies"
	record "build N=$n M=$m P=$parts vs ${parts}× objcopy" "1.0" "$WORK/build$n.json"
done

# ---- 4c'. scaling: the four builds side by side, alternating ------------------------------------------------
echo
echo "== scaling: build at every size in one alternating run (each step doubles N, and M except 3→5)"
scaling=()
labels=()
for size in "${SIZES[@]}"; do
	set -- $size
	labels+=(-l "build N=$1 M=$2")
	scaling+=(-- "$KS" build "${LP[$1]}" -b "$WORLD" -o "$WORK/out$1")
done
"${TIMER[@]}" --json "$WORK/scaling.json" "${labels[@]}" "${scaling[@]}"
printf 'scaling\t%s\n' "$WORK/scaling.json" >> "$RESULTS"

# ---- 4d. check ---------------------------------------------------------------------------------------
echo
if "$KS" --help | grep -qE "^  check "; then
	for size in "${SIZES[@]}"; do
		set -- $size
		n=$1
		parts=$(ls "$WORK/out$n"/*.ko | tr '\n' ' ')
		echo "== check: the $(ls "$WORK/out$n"/*.ko | wc -l) parts of N=$n vs eu-readelf -a of the same files"
		"${TIMER[@]}" --allow-2 --json "$WORK/check$n.json" -l "klp-split check (N=$n)" -l "eu-readelf -a" \
			-- "$KS" check $parts -b "$WORLD" -- "eu-readelf -a $parts >/dev/null"
		record "check N=$n parts vs eu-readelf -a" "1.0" "$WORK/check$n.json"
	done
else
	echo "== check: not available yet (no 'klp-split check' in this build)"
fi

# ---- 4f. the 6.12 world as Debian ships it (.ko.xz) ---------------------------------------------------
KVER612=6.12.118+deb12-amd64
IMAGE612=$CACHE/kernel/$KVER612/image
SYMVERS612=/usr/src/linux-headers-$KVER612/Module.symvers
if [ ! -s "$IMAGE612/lib/modules/$KVER612/modules.dep" ]; then
	say "no unpacked linux-image-$KVER612: harness/setup.sh"
	KLP_SPLIT_CACHE=$CACHE KLP_SPLIT_KERNELS=$KVER612 "$REPO/harness/setup.sh"
fi
[ -s "$SYMVERS612" ] || die "$SYMVERS612 missing (package linux-headers-$KVER612; harness/setup.sh installs it)"
WORLD612=$CACHE/bench/world-$KVER612
mkdir -p "$WORLD612/lib/modules" "$WORLD612/usr/src/linux-headers-$KVER612" "$WORLD612/proc"
ln -sfn "$IMAGE612/lib/modules/$KVER612" "$WORLD612/lib/modules/$KVER612"
ln -sfn "$SYMVERS612" "$WORLD612/usr/src/linux-headers-$KVER612/Module.symvers"
ln -sfn "$REPO/Fixtures/world-6.12/proc/kallsyms" "$WORLD612/proc/kallsyms"
echo
echo "== index: the full 6.12 world ($(grep -c . "$IMAGE612/lib/modules/$KVER612/modules.dep") modules, .ko.xz) vs xz -dc of its modules + cat of the rest"
"$KB" files -b "$WORLD612" > "$WORK/index612.files"
grep '\.ko\.xz$' "$WORK/index612.files" > "$WORK/index612.xz" || true
grep -v '\.ko\.xz$' "$WORK/index612.files" > "$WORK/index612.plain" || true
echo "   $("$KB" index -b "$WORLD612")"
echo "   files: $(wc -l < "$WORK/index612.xz") .ko.xz ($(xargs -a "$WORK/index612.xz" du -cbL | tail -1 | awk '{printf "%.0f MiB", $1/1048576}')) + $(wc -l < "$WORK/index612.plain") others"
"${TIMER[@]}" --json "$WORK/index612.json" -l "klp-split-bench index 6.12 (2 workers)" -l "xz -dc + cat" \
	-- "$KB" index -b "$WORLD612" -- "xz -dc \$(<$WORK/index612.xz) >/dev/null; cat \$(<$WORK/index612.plain) >/dev/null"
record "index the 6.12 .ko.xz world vs xz -dc" "1.3" "$WORK/index612.json"

echo
echo "== plan: Fixtures/modules-6.12/lp_multi.ko against the 6.12 world vs xz -dc/cat of the files it reads (strace)"
PLAN612=("$KS" plan "$REPO/Fixtures/modules-6.12/lp_multi.ko" -b "$WORLD612")
opened_files "${PLAN612[@]}" > "$WORK/plan612.files"
grep '\.ko\.xz$' "$WORK/plan612.files" > "$WORK/plan612.xz" || true
grep -v '\.ko\.xz$' "$WORK/plan612.files" > "$WORK/plan612.plain" || true
echo "   files: $(tr '\n' ' ' < "$WORK/plan612.files" | sed "s|$CACHE|\$CACHE|g; s|$REPO/||g")"
"${TIMER[@]}" --allow-2 --json "$WORK/plan612.json" -l "klp-split plan lp_multi.ko (6.12)" -l "xz -dc + cat" \
	-- "${PLAN612[*]}" -- "xz -dc \$(<$WORK/plan612.xz) >/dev/null; cat \$(<$WORK/plan612.plain) >/dev/null"
record "plan lp_multi.ko (6.12, .ko.xz) vs xz -dc + cat" "2.0" "$WORK/plan612.json"

# ---- 4e. peak RSS ---------------------------------------------------------------------------------------
echo
echo "== peak RSS (/usr/bin/time -v), full world"
rss() {
	local label=$1; shift
	/usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
	local kb
	kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/time.txt")
	printf '   %-44s %6.1f MB\n' "$label" "$(echo "$kb" | awk '{print $1/1024}')"
	printf 'rss\t%s\t%s\n' "$label" "$kb" >> "$RESULTS"
}
rss "klp-split-bench index (whole world)" "$KB" index -b "$WORLD"
rss "klp-split plan lp_multi.ko" "${PLAN[@]}"
rss "klp-split-bench index (6.12 .ko.xz world)" "$KB" index -b "$WORLD612"
rss "klp-split plan lp_multi.ko (6.12)" "${PLAN612[@]}"
rss "klp-split build N=400 M=20" "$KS" build "${LP[400]}" -b "$WORLD" -o "$WORK/out400"

# ---- summary -------------------------------------------------------------------------------------------
echo
python3 "$REPO/bench/summary.py" "$RESULTS" "${SIZES[@]}"
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
