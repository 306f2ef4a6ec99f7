#!/bin/bash
# usage: harness/build-provenance.sh KVER WORLD OUT KLP_SPLIT
#
# What the split-provenance scenario loads (issue 17, "one build per set" and "the right target"),
# for one kernel, into OUT/prov/:
#   A/provmod.ko, B/provmod.ko   two builds of the out-of-tree harness/modules/provmod (B: PROVMOD_B=y)
#   world/                       WORLD with provmod build A installed in extra/ (depmod -b)
#   v1/, v2/                     'klp-split build' of harness/modules/lp_prov built as version 1 and 2
#                                against that world: two builds of one patch
# and runs the release gate on them: the v1 set with its policy passes 'klp-split check'; v1's main
# part with v2's provmod part is refused (mixed-build); v1's provmod part against a world holding
# build B is refused (target-build). Exits 1 when anything differs from that.
set -euo pipefail
kver=$1 world=$2 out=$3/prov klp_split=$4
kdir=/usr/src/linux-headers-$kver
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$kdir/Makefile" ] || { echo "build-provenance: $kdir missing (run harness/setup.sh)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970' KBUILD_BUILD_USER=klp-split KBUILD_BUILD_HOST=harness

# kbuild NAME SRC DEST [make variables...]: builds SRC's module into DEST/NAME.ko
kbuild() {
	local name=$1 src=$2 dest=$3
	shift 3
	mkdir -p "$tmp/$dest" "$out/$dest"
	cp "$src"/* "$tmp/$dest/"
	if ! make -C "$kdir" M="$tmp/$dest" KBUILD_MODPOST_WARN=1 "$@" modules > "$tmp/$dest.log" 2>&1; then
		tail -20 "$tmp/$dest.log" >&2
		echo "build-provenance: kbuild of $src ($*) failed" >&2
		exit 1
	fi
	cp "$tmp/$dest/$name.ko" "$out/$dest/$name.ko"
}
kbuild provmod "$here/modules/provmod" A
kbuild provmod "$here/modules/provmod" B PROVMOD_B=y
kbuild lp_prov "$here/modules/lp_prov" src-v1 LP_PROV_VERSION=1
kbuild lp_prov "$here/modules/lp_prov" src-v2 LP_PROV_VERSION=2

# world_with BUILD DIR: WORLD plus provmod BUILD in extra/
world_with() {
	cp -a "$world" "$2"
	install -D -m 644 "$out/$1/provmod.ko" "$2/lib/modules/$kver/extra/provmod.ko"
	depmod -b "$2" "$kver"
}
world_with A "$out/world"
world_with B "$tmp/world-b"

for v in 1 2; do
	"$klp_split" build "$out/src-v$v/lp_prov.ko" -b "$out/world" -o "$out/v$v"
done
"$klp_split" check "$out"/v1/lp_prov.ko "$out"/v1/lp_prov__provmod.ko "$out"/v1/lp_prov.conf -b "$out/world"

# expect_refusal RULE_TEXT CHECK-ARGS...: check must exit 2 and print the rule's message
expect_refusal() {
	local text=$1 rc=0 report
	shift
	report=$("$klp_split" check "$@" 2>&1) || rc=$?
	if [ "$rc" != 2 ] || ! grep -qF -- "$text" <<< "$report"; then
		printf '%s\n' "$report" >&2
		echo "build-provenance: 'klp-split check $*' should exit 2 with \"$text\" (exit $rc)" >&2
		exit 1
	fi
	grep -F -- "$text" <<< "$report"
}
expect_refusal "error: this part of 'lp_prov' comes from another build" \
	"$out"/v1/lp_prov.ko "$out"/v2/lp_prov__provmod.ko -b "$out/world"
expect_refusal "error: this part was built for provmod klp_target_build_id=" \
	"$out"/v1/lp_prov__provmod.ko -b "$tmp/world-b"
echo "build-provenance: $kver: two builds of lp_prov and two builds of provmod in $out; check refuses the mixes"
