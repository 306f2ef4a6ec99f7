#!/bin/bash
# usage: scripts/fuzz.sh [--short | --long | --runs N | --seconds S] [TARGET...]
#
# Builds the libFuzzer targets of Fuzz/ (swift build --sanitize=fuzzer --sanitize=address) and runs
# each TARGET (default: all) from its committed seeds in Fuzz/seeds. docs/fuzzing.md explains it.
#   --short      (default; what CI runs) 40 s per target
#   --long       the documented long run: 1M executions each for kallsyms, symbols-klp and decompress, 3M for
#                symvers, 5M for modinfo (10M; these run 5,000-50,000 executions/s), then 20 min each
#                for elf and livepatch (100-1,000 executions/s on inputs up to 256 KB); about 1 h on
#                one free core. To use two: scripts/fuzz.sh --long kallsyms symbols-klp elf &
#                scripts/fuzz.sh --long symvers modinfo livepatch
#   --runs N     N executions per target
#   --seconds S  S seconds per target
# Exits 1 if any target crashed, hung (-timeout=10 s per input), leaked or hit a sanitizer report;
# the input that did it is saved under $KLP_SPLIT_FUZZ_WORK/artifacts/TARGET/ and its path printed.
# Working corpora (what libFuzzer adds to the seeds) live in $KLP_SPLIT_FUZZ_WORK/corpus/TARGET,
# default Fuzz/.build/fuzz, so runs resume from earlier runs' coverage.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${KLP_SPLIT_FUZZ_WORK:-$REPO/Fuzz/.build/fuzz}

mode=short
seconds=40
runs=
while [ $# -gt 0 ]; do
	case "$1" in
	--short) mode=short; shift ;;
	--long) mode=long; shift ;;
	--runs) mode=runs; runs=$2; shift 2 ;;
	--seconds) mode=short; seconds=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) echo "fuzz.sh: unknown option '$1'; see scripts/fuzz.sh --help" >&2; exit 64 ;;
	*) break ;;
	esac
done

# target name -> seed folder under Fuzz/seeds
declare -A seeds=(
	[elf]=ko [livepatch]=ko [symvers]=symvers [kallsyms]=kallsyms [symbols-klp]=symbols-klp [modinfo]=modinfo
	[decompress]=compressed
)
all_targets=(symvers kallsyms symbols-klp modinfo elf livepatch decompress)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
	[ -n "${seeds[$target]:-}" ] || { echo "fuzz.sh: unknown target '$target' (targets: ${all_targets[*]})" >&2; exit 64; }
done

# Why these flags (docs/fuzzing.md): '--sanitize=fuzzer --sanitize=address' reaches the Swift driver
# as two -sanitize= options of which it keeps only one, in an order that changes between builds, so
# the modules came out either without coverage or without ASan. '-Xswiftc -sanitize=fuzzer,address'
# comes last and wins; '--sanitize=fuzzer' stays so SwiftPM links libFuzzer's main instead of
# renaming ours; '--disable-dead-strip' keeps ld's --gc-sections from dropping the coverage counters.
build=(swift build --package-path "$REPO/Fuzz" -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
	--disable-dead-strip)
echo "[fuzz] ${build[*]}"
set +o pipefail
"${build[@]}" 2>&1 | grep -v "Cannot export local symbol '__asan"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "[fuzz] the build failed" >&2; exit 1; }
set -o pipefail
bin=$("${build[@]}" --show-bin-path)

failed=0
total=0
summary=()
for target in "${targets[@]}"; do
	budget=(-max_total_time="$seconds")
	case "$mode" in
	long) case "$target" in symvers) budget=(-runs=3000000) ;; modinfo) budget=(-runs=5000000) ;;
		elf|livepatch) budget=(-max_total_time=1200) ;; *) budget=(-runs=1000000) ;; esac ;;
	runs) budget=(-runs="$runs") ;;
	esac
	# a decoder may legitimately fill DecompressedBytes.limit (1 GiB), and ASan's realloc copies
	[ "$target" = decompress ] && budget+=(-rss_limit_mb=4096 -malloc_limit_mb=2048)
	corpus=$WORK/corpus/$target
	artifacts=$WORK/artifacts/$target
	log=$WORK/logs/$target.log
	mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
	echo "[fuzz] $target: ${budget[*]} (seeds Fuzz/seeds/${seeds[$target]}, corpus $corpus, log $log)"
	status=0
	# dictionaries: Fuzz/dictionaries/TARGET.dict when present
	dict=()
	[ -f "$REPO/Fuzz/dictionaries/$target.dict" ] && dict=(-dict="$REPO/Fuzz/dictionaries/$target.dict")
	"$bin/fuzz-$target" "${budget[@]}" "${dict[@]}" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" "$REPO/Fuzz/seeds/${seeds[$target]}" >"$log" 2>&1 || status=$?
	executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	executed=${executed:-0}
	# a binary without coverage would "fuzz" blindly and find nothing: refuse it
	grep -q "^INFO: Loaded 1 modules" "$log" || { echo "[fuzz] $target: no coverage counters in fuzz-$target (see $log)" >&2; status=1; }
	total=$((total + executed))
	if [ "$status" -ne 0 ]; then
		failed=1
		echo "[fuzz] $target: FAILED (exit $status) after $executed executions; the end of $log:" >&2
		tail -40 "$log" >&2
		ls "$artifacts"/* 2>/dev/null | sed 's/^/[fuzz] crashing input: /' >&2 || true
		summary+=("$target: $executed executions, FAILED")
	else
		summary+=("$target: $executed executions, 0 crashes")
	fi
done
printf '[fuzz] %s\n' "${summary[@]}"
echo "[fuzz] total: $total executions, $([ $failed = 0 ] && echo "0 crashes" || echo "FAILED")"
exit $failed
