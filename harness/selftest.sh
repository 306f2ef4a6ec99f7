#!/bin/bash
# usage: harness/selftest.sh
#
# Proves that harness/run.sh can fail: runs it on the deliberately broken
# scenarios in harness/selftest/ (kept out of the default set) and checks that
# each one is reported as FAIL, with the right facts named, and that run.sh exits
# non-zero. Also checks that a missing kernel fails loudly (never a silent pass),
# that an unset variable in a modules file is an error, and that a scenario from
# $KLP_SPLIT_SCENARIOS can load a .ko from $KLP_SPLIT_OUT (that one must PASS),
# that a boot which never reaches /init is booted once more and says so, and that
# the kernels file and expect.<kernel> files are checked before any boot and a
# scenario for another kernel is skipped, never passed; and that setup.sh downloads
# the linux-source .deb into a cache that lacks it (stub apt-get, no network).
# Prints "selftest: N ok, N wrong"; exits 1 if the runner misbehaved.
# ~50 s (5 boots, one waits for an 8 s timeout, one for two 6 s timeouts).
#
# The runner's own behaviour does not depend on the kernel, so this runs on one
# kernel: KLP_SPLIT_SELFTEST_KERNEL (default 6.1.0-56-amd64).
#
# env: KLP_SPLIT_SELFTEST_KERNEL, KLP_SPLIT_CACHE as for run.sh
set -euo pipefail
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$HARNESS/run.sh
ST=$HARNESS/selftest
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
K=${KLP_SPLIT_SELFTEST_KERNEL:-6.1.0-56-amd64}
export KLP_SPLIT_KERNELS=$K KVER=$K
KRE=$(printf "%s" "$K" | sed 's/[.+]/\\&/g')
unset KLP_SPLIT_OUT_ROOT
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
OK=0 WRONG=0

# expect_run NAME WANT_RC GREP_ERE... -- COMMAND...: run COMMAND, require its exit
# status (0, or "nonzero") and one output line matching each ERE
expect_run() {
	local name=$1 want=$2 res=ok rc
	shift 2
	local eres=()
	while [ "$1" != -- ]; do eres+=("$1"); shift; done
	shift
	echo "---- $name: $*"
	set +e
	"$@" > "$OUT/$name.out" 2>&1
	rc=$?
	set -e
	sed 's/^/    | /' "$OUT/$name.out"
	if [ "$want" = nonzero ]; then [ "$rc" != 0 ] || res="exit status 0, wanted non-zero"
	else [ "$rc" = "$want" ] || res="exit status $rc, wanted $want"; fi
	for e in "${eres[@]}"; do
		grep -qE -- "$e" "$OUT/$name.out" || res="no output line matches: $e"
	done
	if [ "$res" = ok ]; then
		echo "selftest ok: $name (exit $rc)"
		OK=$((OK + 1))
	else
		echo "selftest WRONG: $name: $res"
		WRONG=$((WRONG + 1))
	fi
}

expect_run wrong-expectation nonzero \
	'^FAIL wrong-expectation \['"$KRE"'\]: WRONG 1: false does not succeed; WRONG 2: there is no such line; WRONG 3: echo printed hello, not bye; WRONG 4: hello is there; WRONG 5: no second run of true \(6/11 facts' \
	'^0 passed, 1 failed$' \
	-- "$RUN" "$ST/wrong-expectation"

expect_run guest-panics nonzero \
	"^FAIL guest-panics \[$KRE\]: guest ran to '### harness: done'; no kernel panic, Oops, BUG or Call Trace" \
	'found: .*Kernel panic - not syncing: Attempted to kill init' \
	'^0 passed, 1 failed$' \
	-- "$RUN" "$ST/guest-panics"

expect_run guest-hangs nonzero \
	"^FAIL guest-hangs \[$KRE\]: guest ran to '### harness: done'; qemu exited with 0" \
	'qemu rc=124 \(timeout after 8 s' \
	'^0 passed, 1 failed$' \
	-- env KLP_SPLIT_TIMEOUT=8 "$RUN" "$ST/guest-hangs"

expect_run malformed nonzero \
	'guest.sh: line 5: syntax error' \
	"expect:2: unknown fact 'contains'" \
	"cmdline:2: 'init=\\\$\\(id\\)' is not a plain kernel parameter" \
	'^FAIL malformed \['"$KRE"'\]: malformed scenario \(5 problems\)$' \
	'^0 passed, 1 failed$' \
	-- "$RUN" "$ST/malformed"

expect_run missing-kernel nonzero \
	'^harness: ERROR: kernel scenarios cannot run on '"$KRE"': no kernel: ' \
	'NO KERNEL TEST RAN' \
	'^FAIL baseline-vmlinux \['"$KRE"'\]: not run \(no kernel: ' \
	'^0 passed, 1 failed$' \
	-- env KLP_SPLIT_CACHE="$OUT/empty-cache" "$RUN" baseline-vmlinux

expect_run unset-variable nonzero \
	'modules:3: cannot expand' \
	'\$KLP_SPLIT_OUT is not set' \
	'^FAIL from-klp-split-out \['"$KRE"'\]: could not build its modules or initramfs' \
	-- env -u KLP_SPLIT_OUT KLP_SPLIT_SCENARIOS="$ST/scenarios-dir" "$RUN" from-klp-split-out

# a module in $KLP_SPLIT_OUT, as "klp-split build" would leave it; the built
# livepatch_cmdline for kernel $K from the runner's build cache (built first if needed)
built_for_k() {
	local k
	for k in "$KLP_SPLIT_CACHE"/harness/build/livepatch_cmdline-*/ko/livepatch_cmdline.ko; do
		[ -f "$k" ] || continue
		[ "$(modinfo -F vermagic "$k" | cut -d' ' -f1)" != "$K" ] || { echo "$k"; return; }
	done
}
ko=$(built_for_k)
if [ -z "$ko" ]; then
	"$RUN" baseline-vmlinux > /dev/null || true
	ko=$(built_for_k)
fi
mkdir -p "$OUT/klp-split-out"
cp "$ko" "$OUT/klp-split-out/"
expect_run from-klp-split-out 0 \
	'^PASS from-klp-split-out \['"$KRE"'\] \(6/6 facts' \
	'^1 passed, 0 failed$' \
	-- env KLP_SPLIT_OUT="$OUT/klp-split-out" KLP_SPLIT_SCENARIOS="$ST/scenarios-dir" "$RUN" from-klp-split-out

expect_run never-reaches-init nonzero \
	'retry: the first boot never reached /init \(qemu rc=124 after' \
	'^FAIL never-reaches-init \['"$KRE"'\]: .*booted twice: the first boot never reached /init' \
	'^0 passed, 1 failed$' \
	-- env KLP_SPLIT_TIMEOUT=6 "$RUN" "$ST/never-reaches-init"

expect_run wrong-kernel-files nonzero \
	"kernels: 'six' is not a kernel series" \
	"expect.6.1:2: unknown fact 'contains'" \
	'expect.6.12: the scenario.s kernels file excludes 6.12' \
	"expect.x86: 'x86' is not a kernel series" \
	'^FAIL wrong-kernel-files \['"$KRE"'\]: malformed scenario \(4 problems\)$' \
	-- "$RUN" "$ST/wrong-kernel-files"

# a scenario for 6.1 only, on a kernel that is not 6.1 (no boot): SKIP, and exit 1
# because nothing ran
expect_run only-6.1 nonzero \
	'^SKIP only-6.1 \[6\.12\.118\+deb12-amd64\]: its kernels file names only 6\.1$' \
	'NO KERNEL TEST RAN' \
	'^0 passed, 0 failed$' \
	-- env KLP_SPLIT_KERNELS=6.12.118+deb12-amd64 "$RUN" "$ST/only-6.1"

# setup.sh step 5 on a cache that has the kernel but no linux-source .deb (a fresh machine):
# it must download it, never say "already downloaded" (session 7: the exact file name, which
# has no wildcard, survived nullglob, so a fresh cache failed). The kernel image comes from
# the real cache; a stub apt-get writes a small linux-source .deb with the files step 5 needs.
fresh=$OUT/fresh-cache stub=$OUT/stub-bin
mkdir -p "$fresh/debs" "$fresh/kernel/$K" "$stub"
img_deb=$(ls "$KLP_SPLIT_CACHE"/debs/linux-image-"$K"_*.deb | tail -n 1)
ln -s "$img_deb" "$fresh/debs/"
ln -s "$KLP_SPLIT_CACHE/kernel/$K/image" "$fresh/kernel/$K/image"
ln -s "$KLP_SPLIT_CACHE/kernel/$K/vmlinux" "$fresh/kernel/$K/vmlinux"
cat > "$stub/apt-get" <<'STUB'
#!/bin/bash
# stub: "apt-get download linux-source-S=V" writes linux-source-S_V_all.deb here
set -eu
[ "$1" = download ] || exit 0
pkg=${2%%=*} ver=${2#*=} series=${pkg#linux-source-} t=$(mktemp -d)
mkdir -p "$t/src/linux-source-$series/samples/livepatch" "$t/src/linux-source-$series/tools/testing/selftests/livepatch" "$t/deb/DEBIAN" "$t/deb/usr/src"
echo sample > "$t/src/linux-source-$series/samples/livepatch/livepatch-sample.c"
echo functions > "$t/src/linux-source-$series/tools/testing/selftests/livepatch/functions.sh"
tar -C "$t/src" -cJf "$t/deb/usr/src/linux-source-$series.tar.xz" "linux-source-$series"
printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: stub <stub@invalid>\nDescription: stub\n' "$pkg" "$ver" > "$t/deb/DEBIAN/control"
dpkg-deb -Zgzip --build "$t/deb" "${pkg}_${ver/:/%3a}_all.deb" >/dev/null
rm -rf "$t"
STUB
chmod +x "$stub/apt-get"
expect_run setup-fresh-sources 0 \
	'^\[setup\] apt-get download linux-source-[0-9.]+=' \
	'^\[setup\] extracting the livepatch samples' \
	'livepatch +.*/livepatch-src \(2 files of linux-source-' \
	-- env PATH="$stub:$PATH" SKIP_APT=1 KLP_SPLIT_CACHE="$fresh" "$HARNESS/setup.sh"
if grep -q 'already downloaded: .*linux-source' "$OUT/setup-fresh-sources.out"; then
	echo "selftest WRONG: setup-fresh-sources: claims a linux-source .deb the fresh cache does not have"
	WRONG=$((WRONG + 1))
fi

echo "selftest: $OK ok, $WRONG wrong"
[ "$WRONG" = 0 ]
