# wrong-kernel-files: a malformed kernels file and expect.<kernel> files; the runner
# must refuse the scenario before any boot.
run true
