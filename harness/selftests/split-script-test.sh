#!/bin/bash
# usage: harness/selftests/split-script-test.sh
#
# Golden test of the multi-part rule (split-script.py, docs/harness.md "The multi-part rule")
# on a synthetic script in the form of the kernel's selftests (split-script-golden/test-demo.sh,
# written for this test: lp_demo of two parts, lp_demo for vmlinux and lp_demo__mod_a for
# mod_a): R1-R5 rewrite its cases 1-3, R6 leaves out cases 4-6 with their reasons. The rewritten
# script and the skip list must equal split-script-golden/expected.sh and expected.skip-cases.
# Set UPDATE=1 to rewrite the golden files. Exits 1 on a difference.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
G=$HERE/split-script-golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$G" && python3 "$HERE/split-script.py" test-demo.sh lp_demo load-order plan.json "$tmp/out.sh" "$tmp/skip-cases")
bash -n "$tmp/out.sh"
if [ "${UPDATE:-0}" = 1 ]; then
	cp "$tmp/out.sh" "$G/expected.sh"
	cp "$tmp/skip-cases" "$G/expected.skip-cases"
fi
status=0
diff -u "$G/expected.sh" "$tmp/out.sh" || status=1
diff -u "$G/expected.skip-cases" "$tmp/skip-cases" || status=1
[ "$status" = 0 ] && echo "split-script.py: golden test passed" || echo "split-script.py: golden test FAILED"
exit "$status"
