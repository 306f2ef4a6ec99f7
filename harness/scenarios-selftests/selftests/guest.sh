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

# Evidence for the SKIP of test-callbacks.sh#9 split ("busy target module"; docs/harness.md, the
# multi-part rule, R6), not a test case: the case's steps done by hand on the parts of
# test_klp_callbacks_demo in their load order, each waited for as the eager load order says,
# except the busy part (upstream's load_lp_nowait). Every line is printed with "busy9| ";
# expect names what the kernel does differently from upstream's one stalled transition.
section "selftests: test-callbacks.sh#9 split by hand (why it is a SKIP)"
cat > /tmp/busy9.sh <<'BUSY9'
cd /selftests/split
LP=/sys/kernel/livepatch P=test_klp_callbacks_demo
say() { echo "% $*" > /dev/kmsg; }
gone() { for i in $(seq 1 60); do [ -e "$1" ] || return 0; sleep 0.5; done; echo "still there: $1"; }
done0() { for i in $(seq 1 60); do [ "$(cat "$LP/$1/transition" 2>/dev/null)" = 0 ] && return 0; sleep 0.5; done; echo "transition of $1 not 0"; }
echo "harness: busy9 begins" > /dev/kmsg
say insmod test_klp_callbacks_busy.ko block_transition=Y
insmod test_modules/test_klp_callbacks_busy.ko block_transition=Y; echo "rc=$?"
sleep 1
say insmod $P.ko
insmod test_modules/$P.ko; echo "rc=$?"; done0 $P
say insmod ${P}__test_klp_callbacks_busy.ko
insmod test_modules/${P}__test_klp_callbacks_busy.ko; echo "rc=$?"
sleep 3; echo "transition of ${P}__test_klp_callbacks_busy: $(cat $LP/${P}__test_klp_callbacks_busy/transition)"
say insmod ${P}__test_klp_callbacks_mod.ko
insmod test_modules/${P}__test_klp_callbacks_mod.ko; echo "rc=$?"
say insmod test_klp_callbacks_mod.ko
insmod test_modules/test_klp_callbacks_mod.ko; echo "rc=$?"
say rmmod test_klp_callbacks_mod
rmmod test_klp_callbacks_mod; echo "rc=$?"
say echo 0 \> $LP/$P/enabled
echo 0 > $LP/$P/enabled; echo "rc=$?"
say echo 0 \> $LP/${P}__test_klp_callbacks_busy/enabled
echo 0 > $LP/${P}__test_klp_callbacks_busy/enabled; echo "rc=$?"
gone $LP/${P}__test_klp_callbacks_busy
say echo 0 \> $LP/$P/enabled
echo 0 > $LP/$P/enabled; echo "rc=$?"
gone $LP/$P
sleep 1
rmmod ${P}__test_klp_callbacks_busy $P; echo "rc=$?"
say rmmod test_klp_callbacks_busy
rmmod test_klp_callbacks_busy; echo "rc=$?"
dmesg | awk 'index($0, "harness: busy9 begins") { on = 1; next } on' | grep -e 'livepatch:' -e 'test_klp' -e '\] % ' | grep -v -e 'tainting kernel' -e 'taints kernel'
BUSY9
bash /tmp/busy9.sh 2>&1 | sed 's/^/busy9| /'
echo "### selftests: busy9 done"
