#!/bin/bash
# usage: harness/run.sh [-v] [--recheck] [--list] [SCENARIO...]
#
# Kernel acceptance harness: boots each Debian kernel of KLP_SPLIT_KERNELS (after
# harness/setup.sh) under qemu TCG once per scenario and checks the scenario's
# expected facts against the guest's console log. A scenario is a directory
# (docs/harness.md):
#   modules    what goes into the initramfs: .ko paths, build:<dir>, Debian module names
#   guest.sh   the guest steps (busybox sh, helpers from harness/lib/guest.sh)
#   expect     the facts that must hold in the console log (syntax: harness/lib/facts.sh)
#   expect.<KVER prefix>  optional: more facts, only for kernels whose ABI name starts
#              with that series (expect.6.1 for 6.1.0-56-amd64, expect.6.12 for 6.12.*)
#   kernels    optional: the kernel series the scenario applies to (one per line,
#              e.g. 6.1); on other kernels it is reported as SKIP, never as PASS
#   artifacts  optional: files the guest sends to the host (emit_artifact)
#   tools      optional: host programs (+ shared libraries) for the guest, e.g. kmod
#   rootfs/    optional: copied over the initramfs root (e.g. etc/modprobe.d/)
#   files      optional: "<host file> <guest path>" lines, $VAR expanded, copied into
#              the image (e.g. $KLP_SPLIT_OUT/lp.conf /etc/modprobe.d/lp.conf)
#   qemu       optional: extra qemu arguments, appended to the qemu command
#              (whitespace-separated words, '#' comments; e.g. -drive if=ide,media=cdrom)
#   cmdline    optional: extra kernel parameters, appended to "console=ttyS0 panic=-1 quiet"
#              (whitespace-separated words of [A-Za-z0-9_.,=-], '#' comments; e.g. module.sig_enforce=1)
#   warnings   optional: EREs of expected kernel WARNINGs; then "Call Trace:" lines
#              are allowed as far as WARNING lines match one of them (see docs/harness.md)
#
# SCENARIO is a name (looked up in harness/scenarios/, then in each directory of
# $KLP_SPLIT_SCENARIOS) or a path to a scenario directory. Default: every
# scenario in those directories. Every scenario runs on every kernel (in the order
# of KLP_SPLIT_KERNELS). Prints one PASS/FAIL line per scenario and kernel
# ("PASS split-eager [6.12.118+deb12-amd64] (48/48 facts, 27.6 s)") and finally
# "N passed, N failed"; exits 1 if anything failed or could not run. A boot that
# never reached the scenario's /init (no "### harness: scenario" line) is booted
# once more, and the log and the PASS/FAIL line say so; a scenario whose /init
# started is never booted again.
#
#   -v          also copy the guest console to stderr while it runs
#   --recheck   no build, no boot: check the facts against the kept logs
#   --list      list the scenarios that would run (with the kernels each applies to), and exit
#
# env: KLP_SPLIT_KERNELS        kernel ABI names, space-separated (default: KVER if set,
#                               else every kernel of harness/lib/kernels.sh:
#                               6.1.0-56-amd64 6.12.118+deb12-amd64)
#      KLP_SPLIT_CACHE          cache (${XDG_CACHE_HOME:-$HOME/.cache}/klp-split); logs go
#                               to $KLP_SPLIT_CACHE/harness/logs/<KVER>/<scenario>.log
#      KLP_SPLIT_SCENARIOS      extra scenario directories, ':'-separated
#      KLP_SPLIT_OUT_ROOT       per-kernel klp-split output: for each kernel, run.sh sets
#                               KLP_SPLIT_OUT=$KLP_SPLIT_OUT_ROOT/<KVER> (else KLP_SPLIT_OUT
#                               is used as given, for every kernel)
#      KLP_SPLIT_UPDATE_FIXTURES=1  copy artifacts that declare a repo path there
#                               (only when all facts of the scenario hold)
#      KLP_SPLIT_TIMEOUT        seconds per boot (120)
#      KLP_SPLIT_ACCEL          tcg (default); kvm is untested and did not boot on nested PVM
#      KLP_SPLIT_TCG_THREAD     single (default: both vCPUs on one host thread) or multi (MTTCG);
#                               see docs/harness.md, Pitfalls, for the 6.12 'Oops: int3'
#      set per kernel for modules/files/qemu/artifacts files: KVER, KLP_SPLIT_FIXTURES
#      (Fixtures/modules, Fixtures/modules-6.12), KLP_SPLIT_WORLD (Fixtures/world,
#      Fixtures/world-6.12), KLP_SPLIT_CHECK_FIXTURES (Fixtures/check, Fixtures/check-6.12),
#      KLP_SPLIT_OUT (above); any other variable named there
#      comes from the environment
set -euo pipefail
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HARNESS")
# shellcheck source=lib/kernels.sh
. "$HARNESS/lib/kernels.sh"
mapfile -t KERNELS < <(kernels_selected)
[ ${#KERNELS[@]} -gt 0 ] || { echo "harness/run.sh: error: KLP_SPLIT_KERNELS is empty" >&2; exit 64; }
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
HW=$KLP_SPLIT_CACHE/harness
# the marker the image's /init prints first (banner); without it /init never ran
INIT_MARKER='### harness: scenario '
TIMEOUT=${KLP_SPLIT_TIMEOUT:-120}
ACCEL=${KLP_SPLIT_ACCEL:-tcg}
TCG_THREAD=${KLP_SPLIT_TCG_THREAD:-single}
BUSYBOX=/bin/busybox
END_MARKER='### harness: done'
# kernel messages that fail every scenario (WARN()s print "Call Trace:" too)
CRASH_ERE='Kernel panic|Oops|BUG:|general protection fault|Call Trace:'
# the same without "Call Trace:", for scenarios with a "warnings" file
CRASH_NOTRACE_ERE='Kernel panic|Oops|BUG:|general protection fault'
# a WARN()'s header line ("WARNING: CPU: 0 PID: 1 at file.c:98 func+0x1/0x2 [mod]")
WARNING_ERE='WARNING: CPU: [0-9]+ PID: [0-9]+ at '
# serial ports for artifacts, in the order of the scenario's artifacts file
ART_TTYS=(/dev/ttyS1 /dev/ttyS2 /dev/ttyS3)

# shellcheck source=lib/facts.sh
. "$HARNESS/lib/facts.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rel() { local p=$1; [[ $p == "$REPO"/* ]] && p=${p#"$REPO"/}; printf '%s' "$p"; }
say() { printf '  %s\n' "$*"; }
die() { printf 'harness/run.sh: error: %s\n' "$*" >&2; exit 1; }

VERBOSE=0 RECHECK=0 LIST=0
ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-v) VERBOSE=1 ;;
	--recheck) RECHECK=1 ;;
	--list) LIST=1 ;;
	--) shift; ARGS+=("$@"); break ;;
	-*) echo "harness/run.sh: unknown option '$1'" >&2; usage >&2; exit 64 ;;
	*) ARGS+=("$1") ;;
	esac
	shift
done

# ---- which scenarios --------------------------------------------------------------
SCEN_DIRS=("$HARNESS/scenarios")
if [ -n "${KLP_SPLIT_SCENARIOS:-}" ]; then
	IFS=: read -r -a extra <<< "$KLP_SPLIT_SCENARIOS"
	for d in "${extra[@]}"; do
		[ -n "$d" ] || continue
		[ -d "$d" ] || die "KLP_SPLIT_SCENARIOS names '$d', which is not a directory"
		SCEN_DIRS+=("$(cd "$d" && pwd)")
	done
fi
NAMES=() PATHS=()
add_scenario() { # add_scenario DIR
	local d=$1 n
	n=$(basename "$d")
	for x in "${NAMES[@]}"; do
		[ "$x" != "$n" ] || die "two scenarios are named '$n' (second: $d)"
	done
	NAMES+=("$n")
	PATHS+=("$d")
}
if [ ${#ARGS[@]} -eq 0 ]; then
	for sd in "${SCEN_DIRS[@]}"; do
		for d in "$sd"/*/; do
			[ -f "$d/guest.sh" ] || [ -f "$d/expect" ] || continue
			add_scenario "${d%/}"
		done
	done
	[ ${#NAMES[@]} -gt 0 ] || die "no scenarios found in ${SCEN_DIRS[*]}"
else
	for a in "${ARGS[@]}"; do
		if [[ $a == */* ]]; then
			[ -d "$a" ] || die "scenario directory '$a' not found"
			add_scenario "$(cd "$a" && pwd)"
			continue
		fi
		found=
		for sd in "${SCEN_DIRS[@]}"; do
			[ -d "$sd/$a" ] && { found=$sd/$a; break; }
		done
		[ -n "$found" ] || die "no scenario '$a' in ${SCEN_DIRS[*]} (see --list)"
		add_scenario "$found"
	done
fi

# ---- kernels ----------------------------------------------------------------------
# set_kernel KVER: the paths of one kernel, and the variables that modules, files,
# qemu and artifacts files may name
set_kernel() {
	local suffix
	KVER=$1
	KDIR=/usr/src/linux-headers-$KVER
	KROOT=$KLP_SPLIT_CACHE/kernel/$KVER
	IMAGE=$KROOT/image
	MODDIR=$IMAGE/lib/modules/$KVER
	VMLINUX=$KROOT/vmlinux
	suffix=$(kernel_fixture_suffix "$KVER") || die "cannot name the fixtures of kernel '$KVER'"
	KLP_SPLIT_FIXTURES=Fixtures/modules$suffix
	KLP_SPLIT_WORLD=Fixtures/world$suffix
	KLP_SPLIT_CHECK_FIXTURES=Fixtures/check$suffix
	export KVER KLP_SPLIT_FIXTURES KLP_SPLIT_WORLD KLP_SPLIT_CHECK_FIXTURES
	if [ -n "${KLP_SPLIT_OUT_ROOT:-}" ]; then
		KLP_SPLIT_OUT=$KLP_SPLIT_OUT_ROOT/$KVER
		export KLP_SPLIT_OUT
	fi
}

# kernel_matches KVER PREFIX: PREFIX is KVER, or KVER starts with PREFIX followed by
# '.', '-' or '+' (6.1 matches 6.1.0-56-amd64, not 6.12.118+deb12-amd64)
kernel_matches() {
	[ "$1" = "$2" ] && return 0
	case $1 in "$2".* | "$2"-* | "$2"+*) return 0 ;; esac
	return 1
}
# a kernels line or expect.<suffix>: MAJOR.MINOR, optionally more of an ABI name
KPREFIX_ERE='^[0-9]+\.[0-9]+([.+-][A-Za-z0-9.+_-]*)?$'

# scenario_kernels DIR: the prefixes in DIR/kernels ('#' comments), one per line
scenario_kernels() {
	[ -f "$1/kernels" ] || return 0
	sed -e 's/#.*//' -e 's/\r$//' "$1/kernels" | tr -s ' \t' '\n\n' | sed '/^$/d'
}
# applies_to DIR KVER: the scenario has no kernels file, or one of its lines matches
applies_to() {
	local p
	[ -f "$1/kernels" ] || return 0
	while IFS= read -r p; do
		! kernel_matches "$2" "$p" || return 0
	done < <(scenario_kernels "$1")
	return 1
}
# expect_files DIR KVER: expect, then every expect.<prefix> that KVER matches (sorted)
expect_files() {
	local f
	printf '%s\n' "$1/expect"
	for f in "$1"/expect.*; do
		[ -f "$f" ] || continue
		! kernel_matches "$2" "${f##*/expect.}" || printf '%s\n' "$f"
	done
}
# kernel_problems DIR: static checks of the kernels file and the expect.* names
kernel_problems() {
	local d=$1 p f sfx ok
	while IFS= read -r p; do
		[[ $p =~ $KPREFIX_ERE ]] || echo "$(rel "$d")/kernels: '$p' is not a kernel series such as 6.1 or 6.12"
	done < <(scenario_kernels "$d")
	if [ -f "$d/kernels" ] && [ -z "$(scenario_kernels "$d")" ]; then
		echo "$(rel "$d")/kernels: names no kernel (delete the file to run on every kernel)"
	fi
	for f in "$d"/expect.*; do
		[ -f "$f" ] || continue
		sfx=${f##*/expect.}
		if ! [[ $sfx =~ $KPREFIX_ERE ]]; then
			echo "$(rel "$f"): '$sfx' is not a kernel series such as 6.1 or 6.12"
			continue
		fi
		facts_validate "$f" | sed "s|^$d/||; s|^|$(rel "$d")/|"
		[ -f "$d/kernels" ] || continue
		# facts for a kernel the scenario never runs on would never be checked
		ok=0
		while IFS= read -r p; do
			if kernel_matches "$p" "$sfx" || kernel_matches "$sfx" "$p"; then ok=1; fi
		done < <(scenario_kernels "$d")
		[ "$ok" = 1 ] || echo "$(rel "$f"): the scenario's kernels file excludes $sfx, so these facts would never be checked"
	done
}

if [ "$LIST" = 1 ]; then
	for i in "${!NAMES[@]}"; do
		ks=()
		for k in "${KERNELS[@]}"; do ! applies_to "${PATHS[$i]}" "$k" || ks+=("$k"); done
		printf '%-32s %-48s %s\n' "${NAMES[$i]}" "$(rel "${PATHS[$i]}")" "${ks[*]:-(no selected kernel)}"
	done
	exit 0
fi

# ---- can we run a kernel at all? (never let a missing kernel look like a pass) ---------
preflight() {
	local c
	for c in qemu-system-x86_64 cpio depmod modinfo make strip awk md5sum timeout flock; do
		command -v "$c" >/dev/null || { echo "'$c' not found in PATH"; return 1; }
	done
	[ -x "$BUSYBOX" ] || { echo "$BUSYBOX missing (busybox-static)"; return 1; }
	! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "$BUSYBOX is dynamically linked; need busybox-static"; return 1; }
	[ -s "$VMLINUX" ] || { echo "no kernel: $VMLINUX missing"; return 1; }
	[ -s "$MODDIR/modules.dep" ] || { echo "no unpacked Debian modules: $MODDIR/modules.dep missing"; return 1; }
	qemu-system-x86_64 -accel help 2>/dev/null | grep -qx "$ACCEL" ||
		{ echo "qemu-system-x86_64 cannot run or lacks accelerator '$ACCEL'"; return 1; }
	case $TCG_THREAD in single | multi) ;; *) echo "KLP_SPLIT_TCG_THREAD must be single or multi, not '$TCG_THREAD'"; return 1 ;; esac
}
NPASS=0 NFAIL=0 NSKIP=0
mkdir -p "$HW/logs" "$HW/artifacts" "$HW/build" "$HW/work"
# one run at a time per cache: logs, images and artifacts have fixed names, and
# two TCG guests on a small host would only slow each other down
exec 9> "$HW/.lock"
if ! flock -n 9; then
	echo "harness: waiting for another run.sh on this cache to finish (lock $HW/.lock)" >&2
	flock -w 900 9 || die "another run.sh held $HW/.lock for 900 s"
fi

# ---- modules file ---------------------------------------------------------------------
# expand $VAR / ${VAR} in S (no other shell syntax); fails naming an unset variable
expand_vars() {
	local s=$1 out="" v
	while [[ $s =~ ^([^\$]*)\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))(.*)$ ]]; do
		v=${BASH_REMATCH[3]:-${BASH_REMATCH[4]}}
		[ -n "${!v+x}" ] || { echo "\$$v is not set" >&2; return 1; }
		out+=${BASH_REMATCH[1]}${!v}
		s=${BASH_REMATCH[5]}
	done
	printf '%s' "$out$s"
}
abspath() { if [[ $1 == /* ]]; then printf '%s' "$1"; else printf '%s' "$REPO/$1"; fi; }

# source_files: NUL-separated, sorted list of the files below . that are not kbuild output
source_files() {
	find . -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
		! -name '.*.cmd' ! -name '*.cmd' ! -name modules.order ! -name Module.symvers \
		! -name '*.a' ! -name '.*.d' -print0 | LC_ALL=C sort -z
}

# build_dir DIR: kbuild DIR against $KDIR (cached by the hash of DIR's files);
# prints the stripped .ko paths
build_dir() {
	local src=$1 name hash out tmp
	name=$(basename "$src")
	hash=$( (cd "$src" && source_files | xargs -0 -r sha256sum; echo "$KVER") | sha256sum | cut -c1-12)
	out=$HW/build/$name-$hash
	if [ -f "$out/.done" ]; then
		echo "build $(rel "$src"): cached in $out" >&2
	else
		echo "build $(rel "$src"): make -C $KDIR M=$out/src modules" >&2
		tmp=$(mktemp -d "$HW/build/.$name.XXXXXX")
		# copy the sources only: stale kbuild output in $src must not be reused
		mkdir -p "$tmp/src"
		(cd "$src" && source_files | xargs -0 -r cp --parents -t "$tmp/src")
		if ! make -C "$KDIR" M="$tmp/src" modules > "$tmp/make.log" 2>&1; then
			tail -20 "$tmp/make.log" >&2
			echo "kbuild of $(rel "$src") failed (log: $tmp/make.log)" >&2
			return 1
		fi
		mkdir -p "$tmp/ko"
		for k in "$tmp"/src/*.ko; do
			[ -f "$k" ] || { echo "kbuild of $(rel "$src") produced no .ko" >&2; return 1; }
			# debug info is ~95% of a .ko; the guest does not need it
			strip --strip-debug -o "$tmp/ko/$(basename "$k")" "$k"
		done
		touch "$tmp/.done"
		rm -rf "$out"
		mv "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"   # a concurrent run won: use its build
	fi
	ls "$out"/ko/*.ko
}

# read_modules SCENARIO_DIR: fills KOS (host .ko paths) and DEBMODS (names)
read_modules() {
	local f=$1/modules n=0 raw e p k
	KOS=() DEBMODS=()
	[ -f "$f" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		e=${raw%%#*}
		e=$(printf '%s' "$e" | tr -d '\r' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$e" ] || continue
		e=$(expand_vars "$e") || { echo "$(rel "$f"):$n: cannot expand '$raw'" >&2; return 1; }
		case $e in
		build:*)
			p=$(abspath "${e#build:}")
			[ -d "$p" ] || { echo "$(rel "$f"):$n: build directory '$p' not found" >&2; return 1; }
			[ -f "$KDIR/Makefile" ] || { echo "$(rel "$f"):$n: $KDIR missing (run harness/setup.sh)" >&2; return 1; }
			k=$(build_dir "$p") || return 1
			while IFS= read -r p; do KOS+=("$p"); done <<< "$k"
			;;
		*/* | *.ko)
			p=$(abspath "$e")
			[ -f "$p" ] || { echo "$(rel "$f"):$n: module file '$p' not found" >&2; return 1; }
			KOS+=("$p") ;;
		*[!A-Za-z0-9_-]*)
			echo "$(rel "$f"):$n: '$e' is neither a path, build:<dir> nor a module name" >&2
			return 1 ;;
		*) DEBMODS+=("$e") ;;
		esac
	done < "$f"
}

# ---- initramfs ------------------------------------------------------------------------
# make_initramfs SCENARIO_DIR NAME OUT.cpio (uses KOS, DEBMODS, ART_NAMES)
make_initramfs() {
	local sd=$1 name=$2 out=$3 r a k i
	r=$(mktemp -d "$HW/work/.initramfs.XXXXXX")
	mkdir -p "$r"/{bin,dev,proc,sys,run,mnt,tmp,lp,scenario,etc/harness,lib/harness,lib/modules/"$KVER"/extra}
	ln -s bin "$r/sbin"
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$r/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
	install -m 755 "$HARNESS/lib/init.sh" "$r/init"
	install -m 644 "$HARNESS/lib/guest.sh" "$r/lib/harness/guest.sh"
	install -m 644 "$sd/guest.sh" "$r/scenario/guest.sh"
	echo "$name" > "$r/etc/harness/scenario"
	: > "$r/etc/harness/artifacts"
	for i in "${!ART_NAMES[@]}"; do
		echo "${ART_NAMES[$i]} ${ART_TTYS[$i]}" >> "$r/etc/harness/artifacts"
	done
	for k in "${KOS[@]}"; do
		[ ! -e "$r/lp/$(basename "$k")" ] ||
			{ echo "two modules named $(basename "$k") in $(rel "$sd")/modules" >&2; return 1; }
		cp "$k" "$r/lp/"
		cp "$k" "$r/lib/modules/$KVER/extra/"
	done
	declare -A seen=()
	add_debmod() { # NAME: the Debian module and (recursively) its dependencies
		local m=${1//-/_} f dep
		[ -z "${seen[$m]:-}" ] || return 0
		seen[$m]=1
		f=$(modinfo -b "$IMAGE" -k "$KVER" -F filename "$m" 2>/dev/null) ||
			{ echo "Debian module '$m' not found in $MODDIR" >&2; return 1; }
		f=${f%%$'\n'*}
		[ "$f" != "(builtin)" ] || return 0
		install -D -m 644 "$f" "$r/lib/modules/$KVER/${f#"$MODDIR"/}"
		echo "  /lib/modules/$KVER/${f#"$MODDIR"/}" >> "$r.contents"
		for dep in $(modinfo -F depends "$f" | tr ',' ' '); do add_debmod "$dep" || return 1; done
	}
	: > "$r.contents"
	for k in "${DEBMODS[@]}"; do add_debmod "$k" || return 1; done
	for a in modules.builtin modules.builtin.modinfo modules.order; do
		[ ! -f "$MODDIR/$a" ] || cp "$MODDIR/$a" "$r/lib/modules/$KVER/"
	done
	depmod -b "$r" "$KVER"
	add_tools "$sd" "$r" || return 1
	add_files "$sd" "$r" || return 1
	[ ! -d "$sd/rootfs" ] || cp -r "$sd/rootfs/." "$r/"
	local lp ndeb
	lp=$(cd "$r/lp" && ls | tr '\n' ' ')
	ndeb=$(grep -c . "$r.contents" || true)
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out.tmp"
	mv "$out.tmp" "$out"
	echo "initramfs $(rel "$out"): $(( $(stat -c %s "$out") / 1024 )) KiB;" \
		"/lp: ${lp:-(none) }; Debian: ${DEBMODS[*]:-(none)} ($ndeb .ko files with dependencies)" >&2
	rm -rf "$r" "$r.contents"
}

# add_tools SCENARIO_DIR ROOT: copy the host programs named in the scenario's
# "tools" file ("<absolute path> [<guest link>...]") with their shared libraries
# (ldd) to the same paths in ROOT, plus symlinks, e.g.
#   /usr/bin/kmod /usr/sbin/modprobe /usr/sbin/depmod
add_tools() {
	local f=$1/tools r=$2 raw e n=0 words p lib l
	[ -f "$f" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		e=${raw%%#*}
		read -r -a words <<< "$e" || true
		[ ${#words[@]} -gt 0 ] || continue
		p=${words[0]}
		if ! [[ $p == /* && -f $p && -x $p ]]; then
			echo "$(rel "$f"):$n: '$p' is not an absolute path to a host program" >&2
			return 1
		fi
		install -D -m 755 "$p" "$r$p"
		while IFS= read -r lib; do
			[ -z "$lib" ] || [ -e "$r$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$r$lib"
		done < <(ldd "$p" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
		for l in "${words[@]:1}"; do
			[[ $l == /* ]] || { echo "$(rel "$f"):$n: link '$l' is not an absolute guest path" >&2; return 1; }
			[ ! -e "$r$l" ] || [ -L "$r$l" ] ||
				{ echo "$(rel "$f"):$n: '$l' already exists in the image" >&2; return 1; }
			mkdir -p "$(dirname "$r$l")"
			ln -sfn "$p" "$r$l"
		done
		echo "tool $p${words[1]:+ (as ${words[*]:1})}" >&2
	done < "$f"
}

# add_files SCENARIO_DIR ROOT: copy the host files named in the scenario's "files"
# file ("<host file> <guest path>", $VAR/${VAR} expanded, host paths relative to
# the repository; a guest path ending in / is a directory that gets the file under
# its own name), e.g. files that klp-split wrote at test time:
#   $KLP_SPLIT_OUT/lp_split.conf   /etc/modprobe.d/lp_split.conf
#   $KLP_SPLIT_OUT/load-order      /lp/
add_files() {
	local f=$1/files r=$2 raw e n=0 src dst rest
	[ -f "$f" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		e=${raw%%#*}
		read -r src dst rest <<< "$e" || true
		[ -n "${src:-}" ] || continue
		if [ -z "${dst:-}" ] || [ -n "${rest:-}" ]; then
			echo "$(rel "$f"):$n: expected '<host file> <guest path>'" >&2
			return 1
		fi
		src=$(expand_vars "$src") || { echo "$(rel "$f"):$n: cannot expand '$raw'" >&2; return 1; }
		dst=$(expand_vars "$dst") || { echo "$(rel "$f"):$n: cannot expand '$raw'" >&2; return 1; }
		src=$(abspath "$src")
		[ -f "$src" ] || { echo "$(rel "$f"):$n: file '$src' not found" >&2; return 1; }
		[[ $dst == /* ]] || { echo "$(rel "$f"):$n: guest path '$dst' is not absolute" >&2; return 1; }
		[[ $dst != */ ]] || dst=$dst$(basename "$src")
		install -D -m 644 "$src" "$r$dst"
		echo "file $(rel "$src") -> $dst" >&2
	done < "$f"
}

# ---- one scenario ---------------------------------------------------------------------
# read_artifacts SCENARIO_DIR: ART_NAMES, ART_UPDATE (repo path or "")
read_artifacts() {
	local f=$1/artifacts raw e n=0 name upd
	ART_NAMES=() ART_UPDATE=()
	[ -f "$f" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		e=${raw%%#*}
		read -r name upd rest <<< "$e" || true
		[ -n "${name:-}" ] || continue
		if ! [[ $name =~ ^[A-Za-z0-9_.-]+$ && -z ${rest:-} ]]; then
			echo "$(rel "$f"):$n: expected '<name> [<repo path to update>]'" >&2
			return 1
		fi
		if [ -n "${upd:-}" ]; then
			upd=$(expand_vars "$upd") || { echo "$(rel "$f"):$n: cannot expand '$raw'" >&2; return 1; }
		fi
		ART_NAMES+=("$name")
		ART_UPDATE+=("${upd:-}")
	done < "$f"
	[ ${#ART_NAMES[@]} -le ${#ART_TTYS[@]} ] ||
		{ echo "$(rel "$f"): at most ${#ART_TTYS[@]} artifacts" >&2; return 1; }
}

# read_words FILE: WORDS (the whitespace-separated words of FILE, '#' starts a comment, no
# quoting) and WORD_LINES (the line number of each); nothing when FILE does not exist
read_words() {
	local raw n=0 words w
	WORDS=() WORD_LINES=()
	[ -f "$1" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		read -r -a words <<< "${raw%%#*}" || true
		for w in ${words[@]+"${words[@]}"}; do WORDS+=("$w") WORD_LINES+=("$n"); done
	done < "$1"
}

# read_qemu_args SCENARIO_DIR: QEMU_EXTRA_ARGS from the scenario's optional "qemu"
# file: whitespace-separated words, '#' starts a comment, $VAR/${VAR} expanded, no
# quoting (a word cannot contain spaces)
read_qemu_args() {
	local f=$1/qemu i w
	QEMU_EXTRA_ARGS=()
	read_words "$f"
	for i in "${!WORDS[@]}"; do
		w=$(expand_vars "${WORDS[$i]}") || { echo "$(rel "$f"):${WORD_LINES[$i]}: cannot expand '${WORDS[$i]}'" >&2; return 1; }
		QEMU_EXTRA_ARGS+=("$w")
	done
}

# read_kernel_args SCENARIO_DIR: KERNEL_EXTRA_ARGS from the scenario's optional "cmdline"
# file: whitespace-separated kernel parameters, '#' starts a comment; each word must be
# [A-Za-z0-9_.,=-]+ (no quoting, no expansion)
read_kernel_args() {
	local f=$1/cmdline i
	KERNEL_EXTRA_ARGS=""
	read_words "$f"
	for i in "${!WORDS[@]}"; do
		[[ ${WORDS[$i]} =~ ^[A-Za-z0-9_.,=-]+$ ]] ||
			{ echo "$(rel "$f"):${WORD_LINES[$i]}: '${WORDS[$i]}' is not a plain kernel parameter" >&2; return 1; }
		KERNEL_EXTRA_ARGS+=" ${WORDS[$i]}"
	done
}

# boot INITRD LOG ARTDIR: qemu TCG, PVH vmlinux; console -> LOG; sets QRC, BOOT_S
# (QEMU_EXTRA_ARGS, from read_qemu_args, go last)
boot() {
	local initrd=$1 log=$2 artdir=$3 i serial=(-serial mon:stdio) acc t0
	for i in "${!ART_NAMES[@]}"; do serial+=(-serial "file:$artdir/${ART_NAMES[$i]}"); done
	case $ACCEL in
	tcg) acc=(-accel "tcg,thread=$TCG_THREAD" -cpu max) ;;
	kvm) acc=(-accel kvm -cpu host) ;;
	*) echo "KLP_SPLIT_ACCEL must be tcg or kvm" >&2; QRC=2; return ;;
	esac
	local cmd=(qemu-system-x86_64 "${acc[@]}" -m 1G -smp 2 -nographic -no-reboot -nic none
		"${serial[@]}" -kernel "$VMLINUX" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 quiet${KERNEL_EXTRA_ARGS:-}" ${QEMU_EXTRA_ARGS[@]+"${QEMU_EXTRA_ARGS[@]}"})
	echo "+ timeout $TIMEOUT ${cmd[*]}" > "$log.cmd"
	t0=$(now)
	set +e
	# drop CRs and SeaBIOS's terminal escapes
	if [ "$VERBOSE" = 1 ]; then
		timeout --kill-after=5 "$TIMEOUT" "${cmd[@]}" < /dev/null 2>&1 |
			sed -u 's/\r//g; s/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$log" >&2
	else
		timeout --kill-after=5 "$TIMEOUT" "${cmd[@]}" < /dev/null 2>&1 |
			sed -u 's/\r//g; s/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g' > "$log"
	fi
	QRC=${PIPESTATUS[0]}
	set -e
	BOOT_S=$(dt "$t0" "$(now)")
	# the kernel's last line ("reboot: Power down") has no newline
	if [ -s "$log" ] && [ -n "$(tail -c 1 "$log")" ]; then echo >> "$log"; fi
}

# check_scenario SCENARIO_DIR LOG ARTDIR: evaluates implicit + expect facts;
# sets K_OK, K_ALL, FAILS (descriptions), FAIL_DETAILS
check_scenario() {
	local sd=$1 log=$2 artdir=$3 f raw n desc what target i got sum r a gb gm
	K_OK=0 K_ALL=0 FAILS=() FAIL_DETAILS=()
	verdict() { # verdict OK? DESCRIPTION DETAIL
		K_ALL=$((K_ALL + 1))
		if [ "$1" = 0 ]; then K_OK=$((K_OK + 1)); else FAILS+=("$2"); FAIL_DETAILS+=("$3"); fi
	}
	if [ ! -s "$log" ]; then
		verdict 1 "console log exists" "no console log at $log"
		return
	fi
	grep -aqxF -- "$END_MARKER" "$log" && r=0 || r=1
	verdict $r "guest ran to '$END_MARKER'" \
		"no '$END_MARKER' line (guest hung, panicked or /init exited; qemu rc=${QRC:-?})"
	if [ "$RECHECK" = 0 ]; then
		[ "$QRC" = 0 ] && r=0 || r=1
		verdict $r "qemu exited with 0" \
			"qemu rc=$QRC$(case $QRC in 124 | 137) echo " (timeout after $TIMEOUT s; KLP_SPLIT_TIMEOUT)" ;; esac)"
	fi
	if [ -f "$sd/warnings" ]; then
		check_warnings "$sd/warnings" "$log"
	else
		got=$(grep -aE -m 1 -- "$CRASH_ERE" "$log" || true)
		[ -z "$got" ] && r=0 || r=1
		verdict $r \
			"no kernel panic, Oops, BUG or Call Trace" "found: $got"
	fi
	for i in "${!ART_NAMES[@]}"; do
		a=${ART_NAMES[$i]}
		what=$(grep -aE -m 1 "^### artifact $a: [0-9]+ bytes md5 [0-9a-f]+ via " "$log" || true)
		if [ -z "$what" ]; then
			verdict 1 "artifact $a arrived intact" "the guest never announced '### artifact $a: ...' (emit_artifact $a ...)"
		elif [ ! -f "$artdir/$a" ]; then
			verdict 1 "artifact $a arrived intact" "$artdir/$a missing"
		else
			sum=$(md5sum < "$artdir/$a" | cut -d' ' -f1)
			read -r _ _ _ gb _ _ gm _ <<< "$what"
			[ "$sum" = "$gm" ] && [ "$(stat -c %s "$artdir/$a")" = "$gb" ] && r=0 || r=1
			verdict $r "artifact $a arrived intact" \
				"guest sent $gb bytes md5 $gm; host got $(stat -c %s "$artdir/$a") bytes md5 $sum"
		fi
	done
	while IFS= read -r f; do
	[ -f "$f" ] || continue
	n=0 desc=
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		raw=${raw%$'\r'}
		if [[ $raw =~ ^[[:space:]]*$ ]]; then desc=; continue; fi
		if [[ $raw =~ ^[[:space:]]*#[[:space:]]?(.*)$ ]]; then
			desc="${desc:+$desc }${BASH_REMATCH[1]}"
			continue
		fi
		_fact_parse "$raw" || { verdict 1 "$(rel "$f"):$n" "$FACT_ERR"; desc=; continue; }
		target=$log
		if [ -n "$FACT_TARGET" ]; then
			target=$artdir/$FACT_TARGET
			if [ ! -f "$target" ]; then
				verdict 1 "${desc:-${raw#"${raw%%[![:space:]]*}"}}" "$(rel "$f"):$n: no artifact '$FACT_TARGET'"
				desc=
				continue
			fi
		fi
		fact_eval "$target" && r=0 || r=1
		verdict $r "${desc:-${raw#"${raw%%[![:space:]]*}"}}" "$(rel "$f"):$n: ${raw#"${raw%%[![:space:]]*}"} -- $FACT_GOT"
		desc=
	done < "$f"
	done < <(expect_files "$sd" "$KVER")
}

# check_warnings WARNINGS_FILE LOG (inside check_scenario): a scenario that provokes
# WARN()s lists EREs for their "WARNING: CPU: N PID: N at ..." lines. Then: no
# panic/Oops/BUG/GPF line; every WARNING line matches one of the EREs; and there
# are no more "Call Trace:" lines than WARNING lines (a trace without a WARNING
# header is something else, e.g. a hung task or a softlockup).
check_warnings() {
	local wf=$1 log=$2 got r nw nt bad pats
	got=$(grep -aE -m 1 -- "$CRASH_NOTRACE_ERE" "$log" || true)
	[ -z "$got" ] && r=0 || r=1
	verdict $r "no kernel panic, Oops or BUG" "found: $got"
	pats=$(sed -e 's/\r$//' -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$wf")
	if [ -z "$pats" ]; then
		bad=$(grep -aE -m 1 -- "$WARNING_ERE" "$log" || true)
	else
		bad=$(grep -aE -- "$WARNING_ERE" "$log" | grep -avE -f <(printf '%s\n' "$pats") | head -1 || true)
	fi
	[ -z "$bad" ] && r=0 || r=1
	verdict $r "every kernel WARNING is one listed in $(rel "$wf")" "unexpected: $bad"
	nw=$(grep -acE -- "$WARNING_ERE" "$log" || true)
	nt=$(grep -acE -- "Call Trace:" "$log" || true)
	[ "$nt" -le "$nw" ] && r=0 || r=1
	verdict $r "no Call Trace without a WARNING" "$nt 'Call Trace:' lines, $nw WARNING lines"
}

run_scenario() { # run_scenario NAME DIR (for the kernel of set_kernel)
	local name=$1 sd=$2 t0 log art work problems r retried=''
	t0=$(now)
	log=$HW/logs/$KVER/$name.log
	art=$HW/artifacts/$KVER/$name
	work=$HW/work/$KVER/$name
	echo "== $name [$KVER] ($(rel "$sd"))"
	mkdir -p "$work" "$HW/logs/$KVER"
	# static checks first: a typo must not cost a boot
	problems=$(
		[ -f "$sd/guest.sh" ] || echo "$(rel "$sd")/guest.sh missing"
		[ -f "$sd/expect" ] || echo "$(rel "$sd")/expect missing"
		[ ! -f "$sd/guest.sh" ] || "$BUSYBOX" sh -n "$sd/guest.sh" 2>&1 | sed "s|^$sd/|$(rel "$sd")/|"
		[ ! -f "$sd/expect" ] || facts_validate "$sd/expect" | sed "s|^$sd/||; s|^|$(rel "$sd")/|"
		kernel_problems "$sd"
		true
	)
	if ! read_artifacts "$sd" 2> "$work/artifacts.err"; then problems+=$'\n'$(cat "$work/artifacts.err"); fi
	if ! read_qemu_args "$sd" 2> "$work/qemu.err"; then problems+=$'\n'$(cat "$work/qemu.err"); fi
	if ! read_kernel_args "$sd" 2> "$work/cmdline.err"; then problems+=$'\n'$(cat "$work/cmdline.err"); fi
	if [ -f "$sd/warnings" ]; then
		local wl
		while IFS= read -r wl; do
			[[ $wl =~ ^[[:space:]]*(#|$) ]] && continue
			local grc=0
			grep -qE -- "$wl" /dev/null 2>/dev/null || grc=$?
			[ "$grc" -le 1 ] || problems+=$'\n'"$(rel "$sd")/warnings: bad ERE '$wl'"
		done < "$sd/warnings"
	fi
	problems=$(printf '%s' "$problems" | sed '/^$/d')
	if [ -n "$problems" ]; then
		printf '%s\n' "$problems" | sed 's/^/  /'
		echo "FAIL $name [$KVER]: malformed scenario ($(printf '%s\n' "$problems" | wc -l) problems)"
		NFAIL=$((NFAIL + 1))
		return
	fi
	if [ "$RECHECK" = 0 ]; then
		rm -rf "$art"
		mkdir -p "$art"
		rm -f "$log" "$log.boot1"
		# build + initramfs in a subshell so that set -e stops at the first problem
		set +e
		(set -e; read_modules "$sd"; make_initramfs "$sd" "$name" "$work/initramfs.cpio") \
			2> "$work/prepare.log"
		r=$?
		set -e
		if [ "$r" != 0 ]; then
			sed 's/^/  /' "$work/prepare.log"
			echo "FAIL $name [$KVER]: could not build its modules or initramfs (see above)"
			NFAIL=$((NFAIL + 1))
			return
		fi
		sed 's/^/  /' "$work/prepare.log"
		boot "$work/initramfs.cpio" "$log" "$art"
		say "boot: qemu rc=$QRC in $BOOT_S s; console log: $log"
		# 6.12 under TCG sometimes oopses before /init runs (Oops: int3, 2 boots in
		# ~80): a boot that never reached /init proves nothing about the scenario, so
		# boot once more; once /init has started, a failure is the scenario's
		# (unanchored: a kernel message can share the banner's console line)
		if ! grep -aqF -- "$INIT_MARKER" "$log"; then
			mv "$log" "$log.boot1"
			retried="the first boot never reached /init (qemu rc=$QRC after $BOOT_S s; console log $log.boot1)"
			say "retry: $retried; booting again"
			rm -rf "$art"
			mkdir -p "$art"
			boot "$work/initramfs.cpio" "$log" "$art"
			say "boot 2: qemu rc=$QRC in $BOOT_S s; console log: $log"
			{ echo "### harness: retry: $retried"; cat "$log"; } > "$log.tmp"
			mv "$log.tmp" "$log"
		fi
	else
		say "recheck: console log $log"
		retried=$(sed -n 's/^### harness: retry: //p' "$log" 2>/dev/null | head -n 1 || true)
	fi
	check_scenario "$sd" "$log" "$art"
	local total
	total=$(dt "$t0" "$(now)")
	if [ ${#FAILS[@]} -eq 0 ]; then
		echo "PASS $name [$KVER] ($K_OK/$K_ALL facts, $total s${retried:+; booted twice: $retried})"
		NPASS=$((NPASS + 1))
		update_fixtures "$name" "$art"
	else
		echo "FAIL $name [$KVER]: $(printf '%s; ' "${FAILS[@]}" | sed 's/; $//') ($K_OK/$K_ALL facts, $total s${retried:+; booted twice: $retried})"
		local d
		for d in "${FAIL_DETAILS[@]}"; do say "$d"; done
		[ "${KLP_SPLIT_UPDATE_FIXTURES:-0}" != 1 ] || [ ${#ART_NAMES[@]} -eq 0 ] ||
			say "not updating fixtures from $name: its facts failed"
		NFAIL=$((NFAIL + 1))
	fi
}

# update_fixtures NAME ARTDIR: with KLP_SPLIT_UPDATE_FIXTURES=1, copy each artifact
# that names a repo path in the scenario's artifacts file
update_fixtures() {
	local name=$1 art=$2 i dst
	for i in "${!ART_NAMES[@]}"; do
		[ -n "${ART_UPDATE[$i]}" ] || continue
		if [ "${KLP_SPLIT_UPDATE_FIXTURES:-0}" = 1 ]; then
			dst=$REPO/${ART_UPDATE[$i]}
			mkdir -p "$(dirname "$dst")"
			cp "$art/${ART_NAMES[$i]}" "$dst"
			say "updated ${ART_UPDATE[$i]} from artifact ${ART_NAMES[$i]} ($(stat -c %s "$dst") bytes)"
		else
			say "artifact ${ART_NAMES[$i]}: $art/${ART_NAMES[$i]} (KLP_SPLIT_UPDATE_FIXTURES=1 copies it to ${ART_UPDATE[$i]})"
		fi
	done
}

T_ALL=$(now)
for kver in "${KERNELS[@]}"; do
	set_kernel "$kver"
	T_K=$(now) NK=0
	if [ "$RECHECK" = 0 ] && ! why=$(preflight); then
		{
			echo "harness: ERROR: kernel scenarios cannot run on $KVER: $why"
			echo "harness: ERROR: run harness/setup.sh (KLP_SPLIT_CACHE=$KLP_SPLIT_CACHE, KLP_SPLIT_KERNELS=${KERNELS[*]})"
			echo "harness: ERROR: NO KERNEL TEST RAN on $KVER; every scenario counts as failed"
		} >&2
		for i in "${!NAMES[@]}"; do
			applies_to "${PATHS[$i]}" "$KVER" || continue
			echo "FAIL ${NAMES[$i]} [$KVER]: not run ($why)"
			NFAIL=$((NFAIL + 1))
		done
		continue
	fi
	for i in "${!NAMES[@]}"; do
		if ! applies_to "${PATHS[$i]}" "$KVER"; then
			echo "SKIP ${NAMES[$i]} [$KVER]: its kernels file names only $(scenario_kernels "${PATHS[$i]}" | tr '\n' ' ' | sed 's/ $//')"
			NSKIP=$((NSKIP + 1))
			continue
		fi
		run_scenario "${NAMES[$i]}" "${PATHS[$i]}"
		NK=$((NK + 1))
	done
	echo "($KVER: $NK scenarios in $(dt "$T_K" "$(now)") s; logs in $HW/logs/$KVER/)"
done
[ "${#KERNELS[@]}" = 1 ] || echo "(${#KERNELS[@]} kernels in $(dt "$T_ALL" "$(now)") s)"
[ "$NSKIP" = 0 ] || echo "($NSKIP scenario runs skipped: not for that kernel)"
if [ $((NPASS + NFAIL)) = 0 ]; then
	echo "harness: ERROR: no scenario applies to the selected kernels (${KERNELS[*]}): NO KERNEL TEST RAN" >&2
	echo "0 passed, 0 failed"
	exit 1
fi
echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
