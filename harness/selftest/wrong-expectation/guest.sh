# selftest wrong-expectation: a guest that does three trivial things. Its expect
# file holds 3 true facts and 5 deliberately wrong ones, so the runner MUST
# print FAIL for this scenario and exit non-zero (harness/selftest.sh checks that).
run true
run false
run 'echo hello'
