# never-reaches-init: the kernel is told to run an /init that does not exist (see
# qemu), so this never runs; the runner must boot once more, say so, and FAIL.
run true
