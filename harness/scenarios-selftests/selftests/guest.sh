# The kernel's own livepatch selftests, run as upstream wrote them (bash, kmod), on the
# modules as built ("unsplit"). harness/selftests/report.sh turns the "TEST: ... ok" lines
# into one line per test case.
section "selftests: unpack the modules and the upstream scripts"
mkdir -p /selftests
run 'tar -C /selftests -xf /selftests.tar'
# kmod's depmod by its path: a bare "depmod" in busybox sh is busybox's applet
run 'cp /selftests/test_modules/*.ko /lib/modules/$(uname -r)/extra/ && /bin/depmod'
run 'mount -t debugfs debugfs /sys/kernel/debug'
for script in test-livepatch.sh test-callbacks.sh test-shadow-vars.sh test-state.sh; do
	section "selftests: $script unsplit"
	# the script's output is printed after it ends, so kernel messages on the console
	# (test_klp_state sets console_loglevel to 15) cannot split its "TEST: ... ok" lines
	(cd /selftests && bash "./$script" > /tmp/selftest.out 2>&1)
	rc=$?
	cat /tmp/selftest.out
	echo "### selftests: $script unsplit rc=$rc"
done
