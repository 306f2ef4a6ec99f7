#!/bin/bash
# usage: harness/selftests/split-script-test.sh
#
# Golden test of the multi-part rule (split-script.py, docs/harness.md "The multi-part rule")
# on a synthetic script in the form of the kernel's selftests (split-script-golden/test-demo.sh,
# written for this test: lp_demo of two parts, lp_demo for vmlinux and lp_demo__mod_a for
# mod_a): R1-R5 rewrite its cases 1-3, R1/R3 (loops) and R7 its case 6, R6 leaves out cases 4, 5,
# 7 and 8 with their reasons. The rewritten script and the skip list must equal
# split-script-golden/expected.sh and expected.skip-cases, and R7's function, run on a stand-in
# directory, must count lp_demo's two parts as one livepatch.
# Set UPDATE=1 to rewrite the golden files. Exits 1 on a difference.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
G=$HERE/split-script-golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$G" && python3 "$HERE/split-script.py" test-demo.sh lp_demo load-order plan.json "$tmp/out.sh" "$tmp/skip-cases")
bash -n "$tmp/out.sh"
# R7 in bash: the written klp_split_livepatches, run on a stand-in for /sys/kernel/livepatch,
# counts livepatches (lp_demo's two parts are one), and without entries gives the unmatched
# glob itself, one word, as upstream's mods=(/sys/kernel/livepatch/*) does
count_livepatches() {
	(eval "$(sed -n '/^klp_split_livepatches() {$/,/^}$/p' "$tmp/out.sh" | sed "s#/sys/kernel/livepatch#$tmp/sys#g")"
	 mods=($(klp_split_livepatches)); echo "${#mods[@]} ${mods[*]##*/}")
}
mkdir -p "$tmp/sys/lp_demo" "$tmp/sys/lp_demo__mod_a" "$tmp/sys/lp_other"
r7=$(count_livepatches)
rm -r "$tmp/sys"/*
r7="$r7; $(count_livepatches)"
r7_status=0
[ "$r7" = "2 lp_demo lp_other; 1 *" ] || { echo "R7: klp_split_livepatches gave '$r7', expected '2 lp_demo lp_other; 1 *'"; r7_status=1; }
if [ "${UPDATE:-0}" = 1 ]; then
	cp "$tmp/out.sh" "$G/expected.sh"
	cp "$tmp/skip-cases" "$G/expected.skip-cases"
fi
status=$r7_status
diff -u "$G/expected.sh" "$tmp/out.sh" || status=1
diff -u "$G/expected.skip-cases" "$tmp/skip-cases" || status=1
[ "$status" = 0 ] && echo "split-script.py: golden test passed" || echo "split-script.py: golden test FAILED"
exit "$status"
