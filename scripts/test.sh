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
#   4. the kernel acceptance harness, on every kernel of harness/lib/kernels.sh (6.1.0-56-amd64 and
#      6.12.118+deb12-amd64; KLP_SPLIT_KERNELS selects): harness/setup.sh (qemu, busybox, the Debian
#      kernels into ${KLP_SPLIT_CACHE:-~/.cache/klp-split}); per kernel, 'klp-split build' of the
#      multi-object fixture lp_split (and lp_klpbuild; lp_split again signed with the TEST-ONLY key
#      of Fixtures/signing, into <tmp>/<KVER>/signed/) and 'klp-split convert' of lp_twofiles and
#      lp_cdrom from that kernel's fixtures (Fixtures/modules, Fixtures/modules-6.12) against its
#      world (Fixtures/world, Fixtures/world-6.12) into <tmp>/<KVER>/, then 'klp-split check' of
#      what they wrote; harness/selftests/host.sh builds the kernel's own livepatch samples and
#      selftest modules (from the linux-source package setup.sh extracted) and plans, builds and
#      checks each as harness/selftests/modules.<series> expects; harness/run.sh boots each real kernel under qemu TCG and checks every
#      scenario of harness/scenarios, harness/scenarios-build (they load the parts that build just
#      wrote, after 'klp-split check' passed them, and the modules convert wrote) and
#      harness/scenarios-check (the kernel refuses check's broken fixtures with the messages check
#      quotes; each kernel its own set, Fixtures/check or Fixtures/check-6.12); then one boot per
#      kernel of harness/scenarios-selftests/selftests (the kernel's own test-livepatch.sh,
#      test-callbacks.sh, test-shadow-vars.sh and test-state.sh, unsplit and split) and
#      harness/selftests/report.sh (one line per test case and way)
#   5. harness/ppc64le/run.sh: the second architecture (docs/ppc64le.md): Debian's linux-source-6.12
#      cross-built for ppc64le pseries once (cached in ~/.cache/klp-kernel-lab, about 8 minutes the
#      first time), lp_ppc_split built and checked, its parts loaded in one qemu-system-ppc64 boot.
#      A failing klp-split step is
#      reported, the other steps and the harness still run (scenarios that need its output then
#      fail too), and the script exits 1.
# --unit skips steps 3 to 5 and says so loudly; CI never passes it.
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
echo "[test] harness/setup.sh (every kernel: ${KLP_SPLIT_KERNELS:-the default list of harness/lib/kernels.sh})"
harness/setup.sh
echo "[test] scripts/corpus.sh (all 4023 Debian 6.1.0-56-amd64 modules: read, counted against readelf, written back)"
scripts/corpus.sh
# shellcheck source=../harness/lib/kernels.sh
. harness/lib/kernels.sh
mapfile -t kernels < <(kernels_selected)
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
klp_split="$(swift build -c release --show-bin-path)/klp-split"
status=0

# step WHAT COMMAND...: run one klp-split step; a failure is reported and remembered, and the
# other steps still run (so that, e.g., convert-whole can run on a kernel where build fails)
step() {
	local what=$1
	shift
	echo "[test] $what"
	if ! "$@"; then
		echo "[test] FAILED: $what" >&2
		status=1
	fi
}
# klp_split_steps KVER: build, convert and check with that kernel's fixtures and world into $parts/KVER
klp_split_steps() {
	local kver=$1 suffix fixtures world out lp
	suffix=$(kernel_fixture_suffix "$kver")
	fixtures=Fixtures/modules$suffix world=Fixtures/world$suffix out=$parts/$kver
	mkdir -p "$out"
	step "[$kver] klp-split build $fixtures/lp_split.ko -b $world --sympos ucode_path=2 -o $out" \
		"$klp_split" build "$fixtures/lp_split.ko" -b "$world" --sympos ucode_path=2 -o "$out"
	step "[$kver] klp-split build $fixtures/lp_klpbuild.ko -b $world -o $out" \
		"$klp_split" build "$fixtures/lp_klpbuild.ko" -b "$world" -o "$out"
	for lp in lp_twofiles lp_cdrom; do
		step "[$kver] klp-split convert $fixtures/$lp.ko -b $world -o $out/$lp.ko" \
			"$klp_split" convert "$fixtures/$lp.ko" -b "$world" -o "$out/$lp.ko"
	done
	step "[$kver] klp-split build and convert $fixtures/lp_nodatasections.ko (klp structs share .data)" \
		sh -c '"$1" build "$2" -b "$3" -o "$4/nodata" && "$1" convert "$2" -b "$3" -o "$4/nodata/lp_nodatasections.ko" && "$1" check "$4/nodata/lp_nodatasections__cdrom.ko" -b "$3" && "$1" check "$4/nodata/lp_nodatasections.ko" -b "$3"' \
		sh "$klp_split" "$fixtures/lp_nodatasections.ko" "$world" "$out"
	step "[$kver] klp-split build and check $fixtures/lp_exports.ko (C and D between parts)" \
		sh -c '"$1" build "$2" -b "$3" -o "$4/exports" && "$1" check "$4"/exports/*.ko -b "$3"' \
		sh "$klp_split" "$fixtures/lp_exports.ko" "$world" "$out"
	step "[$kver] klp-split build --sign-key (TEST-ONLY key) $fixtures/lp_split.ko and check --require-signature" \
		sh -c '"$1" build "$2" -b "$3" --sympos ucode_path=2 -o "$4/signed" --sign-key Fixtures/signing/TEST-ONLY-signing-key.pem --sign-cert Fixtures/signing/TEST-ONLY-signing-cert.pem && "$1" check "$4"/signed/*.ko -b "$3" --require-signature' \
		sh "$klp_split" "$fixtures/lp_split.ko" "$world" "$out"
	step "[$kver] klp-split build and check $fixtures/lp_idioms.ko (everyday idioms in two parts, issue 19)" \
		sh -c '"$1" build "$2" -b "$3" -o "$4/idioms" && "$1" check "$4"/idioms/*.ko -b "$3"' \
		sh "$klp_split" "$fixtures/lp_idioms.ko" "$world" "$out"
	# issue 17: two builds of lp_prov and of the out-of-tree provmod (kbuild against the headers
	# harness/setup.sh installed), the parts of each, and check refusing their mixes (split-provenance)
	step "[$kver] harness/build-provenance.sh (two builds of a patch and of its target module; check refuses the mixes)" \
		harness/build-provenance.sh "$kver" "$world" "$out" "$klp_split"
	# issue 17: two parts share shadow id 0x6c70: check warns (coupling-shadow-id) and passes
	# without --strict; harness/scenarios-build/split-shadow loads both parts
	step "[$kver] klp-split build and check $fixtures/lp_shadow.ko (a shadow variable shared by two parts)" \
		sh -c '"$1" build "$2" -b "$3" -o "$4/shadow" && "$1" check "$4"/shadow/*.ko -b "$3"' \
		sh "$klp_split" "$fixtures/lp_shadow.ko" "$world" "$out"
	step "[$kver] klp-split build and check $fixtures/lp_callbacks.ko (callbacks-only objects, a parameter) and lp_states*.ko (klp_state)" \
		sh -c '"$1" build "$2/lp_callbacks.ko" -b "$3" -o "$4/callbacks" && "$1" check "$4"/callbacks/*.ko -b "$3" &&
			"$1" build "$2/lp_states.ko" -b "$3" -o "$4/states" && "$1" check "$4"/states/*.ko -b "$3" &&
			! "$1" plan "$2/lp_states_multi.ko" -b "$3" >/dev/null &&
			"$1" build "$2/lp_states_multi.ko" -b "$3" --states-in-every-part -o "$4/states_multi" && "$1" check "$4"/states_multi/*.ko -b "$3"' \
		sh "$klp_split" "$fixtures" "$world" "$out"
	# the release gate, on what build and convert wrote (a missing part fails here too)
	step "[$kver] klp-split check $out/lp_twofiles.ko" "$klp_split" check "$out"/lp_twofiles.ko -b "$world"
	step "[$kver] klp-split check $out/lp_cdrom.ko" "$klp_split" check "$out"/lp_cdrom.ko -b "$world"
	step "[$kver] klp-split check the lp_split parts" \
		"$klp_split" check "$out"/lp_split.ko "$out"/lp_split__*.ko "$out"/lp_split.conf -b "$world"
	step "[$kver] klp-split check the lp_klpbuild parts" \
		"$klp_split" check "$out"/lp_klpbuild.ko "$out"/lp_klpbuild__*.ko -b "$world"
}
for kver in "${kernels[@]}"; do klp_split_steps "$kver"; done
# the kernel's own livepatch samples and selftests (issue 20), from the linux-source package
# harness/setup.sh extracted: each module planned, built and checked as harness/selftests/modules.<series> says
step "harness/selftests/split-script-test.sh (the multi-part rule on a synthetic script, golden)" \
	harness/selftests/split-script-test.sh
for kver in "${kernels[@]}"; do
	step "[$kver] harness/selftests/host.sh (the kernel's livepatch samples and selftest modules)" \
		env KLP_SPLIT="$klp_split" harness/selftests/host.sh "$kver" "$parts/$kver/selftests"
done
echo "[test] harness/run.sh on ${kernels[*]} (harness/scenarios, harness/scenarios-build and harness/scenarios-check)"
KLP_SPLIT_KERNELS="${kernels[*]}" KLP_SPLIT_OUT_ROOT=$parts \
	KLP_SPLIT_SCENARIOS=$REPO/harness/scenarios-build:$REPO/harness/scenarios-check harness/run.sh || status=1
echo "[test] harness/run.sh selftests on ${kernels[*]}: the kernel's own livepatch selftest scripts, run as upstream wrote them (one boot per kernel)"
KLP_SPLIT_KERNELS="${kernels[*]}" KLP_SPLIT_OUT_ROOT=$parts KLP_SPLIT_TIMEOUT=900 \
	harness/run.sh "$REPO/harness/scenarios-selftests/selftests" || status=1
echo "[test] harness/selftests/report.sh: one line per upstream test case and way"
KLP_SPLIT_OUT_ROOT=$parts harness/selftests/report.sh "${kernels[@]}" || status=1
logs=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}/harness/logs
echo "[test] the kernel output docs/tutorial.md quotes is in this run's split-eager log on 6.1.0-56-amd64"
scripts/tutorial.py --kernel-log "$logs/6.1.0-56-amd64/split-eager.log" || status=1
echo "[test] harness/selftest.sh (the runner must fail deliberately broken scenarios)"
harness/selftest.sh || status=1
echo "[test] harness/ppc64le/run.sh (issue 22: the ppc64le lab kernel, cross-built once and cached; build, check and one qemu-system-ppc64 pseries boot of the split parts)"
KLP_SPLIT="$klp_split" harness/ppc64le/run.sh || status=1
[ "$status" = 0 ] || echo "[test] FAILED: see the lines above" >&2
exit "$status"
