#!/bin/sh
# Regenerates Fixtures/check: with --base, first the clean parts in base/ (klp-split build), then
# every broken module (Tests/CheckTests/CheckFixtures.swift through ELFImage/ELFWriter).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
if [ "${1:-}" = "--base" ]; then
    swift build
    for fixture in lp_cdrom lp_klpbuild lp_vmlinux lp_split lp_nodatasections; do
        out=$(mktemp -d)
        options=""
        [ "$fixture" = lp_split ] && options="--sympos ucode_path=2"
        # shellcheck disable=SC2086
        .build/debug/klp-split build "Fixtures/modules/$fixture.ko" -b Fixtures/world -o "$out/parts" $options >/dev/null
        cp "$out/parts/"*.ko "$here/base/"
        rm -rf "$out"
    done
fi
RECORD_CHECK_FIXTURES=1 swift test --filter CheckFixtureGeneration
