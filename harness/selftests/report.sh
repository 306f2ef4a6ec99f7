#!/bin/bash
# usage: harness/selftests/report.sh KVER...
#
# One line per upstream test case and way, from the console log of the harness scenario
# "selftests" (harness/scenarios-selftests/selftests) on each kernel:
#   PASS test-callbacks.sh#3 unsplit [6.1.0-56-amd64] (target module loaded before livepatch)
# Two ways: "unsplit" (the modules as built) and "split" (each livepatch of one object replaced
# by the one part 'klp-split build' wrote for it; docs/harness.md, "the split rule").
# A case is numbered by its start_test in the script (1-based); it passes when the script
# printed "TEST: <its name> ... ok". A case the script never reached (an earlier case died)
# fails too. The number of cases is counted in the script itself (its start_test calls).
# A script that loads a livepatch of several parts runs split as split-script.py rewrote it
# (docs/harness.md, "The multi-part rule"); a case that rule cannot express is not run (host.sh
# lists it in guest/split/skip-cases with the reason), nor a script that loads no livepatch
# (guest/split/skip): each such case is "SKIP ... split" with the reason, never PASS.
# Ends with "N passed, N failed, N skipped"; exits 1 when anything failed.
#
# env: KLP_SPLIT_CACHE (logs in $KLP_SPLIT_CACHE/harness/logs/KVER/selftests.log),
#      KLP_SPLIT_OUT_ROOT (the scripts: $KLP_SPLIT_OUT_ROOT/KVER/selftests/guest/)
set -euo pipefail
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
[ $# -gt 0 ] || { echo "usage: harness/selftests/report.sh KVER..." >&2; exit 64; }
: "${KLP_SPLIT_OUT_ROOT:?set KLP_SPLIT_OUT_ROOT as for harness/run.sh}"
passed=0 failed=0 skipped=0
for kver in "$@"; do
	log=$KLP_SPLIT_CACHE/harness/logs/$kver/selftests.log
	for script in test-livepatch.sh test-callbacks.sh test-shadow-vars.sh test-state.sh; do
		src=$KLP_SPLIT_OUT_ROOT/$kver/selftests/guest/$script
		[ -f "$src" ] || { echo "FAIL $script [$kver] (no $src: run harness/selftests/host.sh)"; failed=$((failed + 1)); continue; }
		for way in unsplit split; do
			skip=$(awk -v s="$script" '$1 == s { print $2; exit }' "$KLP_SPLIT_OUT_ROOT/$kver/selftests/guest/split/skip" 2>/dev/null || true)
			if [ "$way" = split ] && [ -n "$skip" ]; then
				i=0
				while IFS= read -r name; do
					i=$((i + 1))
					echo "SKIP $script#$i $way [$kver] ($name; the script loads no livepatch: nothing to split)"
					skipped=$((skipped + 1))
				done < <(sed -n 's/^start_test "\(.*\)"$/\1/p' "$src")
				continue
			fi
			# the script's output: the lines between its section header and its rc line
			out=$(awk -v s="=== selftests: $script $way" -v e="### selftests: $script $way rc=" \
				'index($0, s) == 1 { on = 1; next } index($0, e) == 1 { on = 0 } on' "$log" 2>/dev/null || true)
			i=0
			while IFS= read -r name; do
				i=$((i + 1))
				if [ "$way" = split ]; then
					why=$(awk -v c="$script#$i" '$1 == c { $1 = ""; sub(/^ /, ""); print; exit }' \
						"$KLP_SPLIT_OUT_ROOT/$kver/selftests/guest/split/skip-cases" 2>/dev/null || true)
					if [ -n "$why" ]; then
						echo "SKIP $script#$i $way [$kver] ($name; not expressible by the multi-part rule: $why)"
						skipped=$((skipped + 1))
						continue
					fi
				fi
				if grep -qxF "TEST: $name ... ok" <<< "$out"; then
					echo "PASS $script#$i $way [$kver] ($name)"
					passed=$((passed + 1))
				else
					echo "FAIL $script#$i $way [$kver] ($name)"
					failed=$((failed + 1))
				fi
			done < <(sed -n 's/^start_test "\(.*\)"$/\1/p' "$src")
		done
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
