# The kernel's own livepatch selftests, run as upstream wrote them (bash, kmod), on the
# modules as built ("unsplit"). 6.12's functions.sh skips everything unless $KDIR (default
# /lib/modules/$(uname -r)/build) is a directory, for building test_modules/; the host built
# them, so KDIR names any directory. harness/selftests/report.sh turns the "TEST: ... ok" lines
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
	(cd /selftests && KDIR=/selftests bash "./$script" > /tmp/selftest.out 2>&1)
	rc=$?
	cat /tmp/selftest.out
	echo "### selftests: $script unsplit rc=$rc"
done

# The same scripts on what 'klp-split build' wrote: each livepatch of one object is its one
# part, same name (host.sh put them in /selftests/split/test_modules); a script that loads a
# livepatch of several parts runs as split-script.py rewrote it (/selftests/split/<script>:
# the parts in load-order, the derived expected text, the cases the rule cannot express left
# out and listed in /selftests/split/skip-cases); a script listed in /selftests/split/skip
# loads no livepatch and is not run.
section "selftests: install the split parts"
run 'cp /selftests/split/test_modules/*.ko /lib/modules/$(uname -r)/extra/ && /bin/depmod'
run 'cat /selftests/split/skip /selftests/split/skip-cases'
for script in test-livepatch.sh test-callbacks.sh test-shadow-vars.sh test-state.sh; do
	if grep -q "^$script " /selftests/split/skip; then
		echo "### selftests: $script split skipped"
		continue
	fi
	run_as=../$script
	[ -f "/selftests/split/$script" ] && run_as=./$script
	section "selftests: $script split"
	# a marker in the kernel log, not a line count: the ring buffer may have wrapped by now
	echo "harness: selftests $script split begins" > /dev/kmsg
	(cd /selftests/split && KDIR=/selftests bash "$run_as" > /tmp/selftest.out 2>&1)
	rc=$?
	cat /tmp/selftest.out
	# a rewritten script: the kernel lines its check_result compared, for the record
	[ "$run_as" = "../$script" ] || dmesg | awk -v m="harness: selftests $script split begins" 'index($0, m) { on = 1; next } on' |
		grep -e 'livepatch:' -e 'test_klp' | grep -v -e 'tainting kernel' -e 'taints kernel' | sed 's/^/dmesg| /'
	echo "### selftests: $script split rc=$rc"
done
