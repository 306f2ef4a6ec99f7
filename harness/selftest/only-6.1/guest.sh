# only-6.1: a scenario for 6.1 only; on any other kernel the runner reports SKIP
# and, when nothing else ran, fails: a skipped kernel test never passes.
run true
