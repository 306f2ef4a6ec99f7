#!/bin/bash
# usage: Fixtures/check/make.sh [--base [SERIES...]]
#
# Regenerates the check fixtures of both kernels: Fixtures/check (6.1, from Fixtures/modules and
# Fixtures/world) and Fixtures/check-6.12 (from Fixtures/modules-6.12 and Fixtures/world-6.12).
# With --base, first the clean parts in <set>/base/ (klp-split build) of the given series (6.1,
# 6.12; default both), then every broken module of both sets (Tests/CheckTests/CheckFixtures.swift
# through ELFImage/ELFWriter).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
# shellcheck source=../../harness/lib/kernels.sh
. harness/lib/kernels.sh
if [ "${1:-}" = "--base" ]; then
	shift
	series=("$@")
	[ ${#series[@]} -gt 0 ] || series=(6.1 6.12)
	swift build --product klp-split
	for s in "${series[@]}"; do
		kver=
		for k in $KLP_SPLIT_DEFAULT_KERNELS; do
			[ "$(kernel_series "$k")" = "$s" ] && kver=$k
		done
		[ -n "$kver" ] || { echo "Fixtures/check/make.sh: error: no kernel of series '$s' in harness/lib/kernels.sh" >&2; exit 64; }
		suffix=$(kernel_fixture_suffix "$kver")
		base=Fixtures/check$suffix/base
		mkdir -p "$base"
		for fixture in lp_cdrom lp_klpbuild lp_vmlinux lp_split lp_nodatasections; do
			out=$(mktemp -d)
			options=()
			[ "$fixture" = lp_split ] && options=(--sympos ucode_path=2)
			.build/debug/klp-split build "Fixtures/modules$suffix/$fixture.ko" -b "Fixtures/world$suffix" -o "$out/parts" "${options[@]}" >/dev/null
			cp "$out/parts/"*.ko "$base/"
			rm -rf "$out"
		done
	done
fi
RECORD_CHECK_FIXTURES=1 swift test --filter CheckFixtureGeneration
