# harness/lib/guest.sh - shell functions for scenario guest steps (busybox sh).
#
# run.sh installs this file as /lib/harness/guest.sh in every initramfs. The
# image's /init (harness/lib/init.sh) sources it, calls mount_basics, banner and
# dmesg_skip, then sources the scenario's guest.sh (as /scenario/guest.sh) and
# finally calls finish. So a guest.sh is just a list of steps:
#
#   section "load the livepatch"    # "=== load the livepatch"
#   run insmod /lp/my_patch.ko      # prints "+ insmod /lp/my_patch.ko", output, "rc=N"
#   wait_transition my_patch        # until /sys/kernel/livepatch/my_patch/transition is 0
#   run 'cat /proc/cmdline'         # run evals its argument: quote pipes/redirections
#   show_livepatches                # enabled/transition + sysfs tree of each livepatch
#   lp_disable my_patch             # echo 0 > enabled; wait until unpatched and released
#   dmesg_new                       # kernel log lines since the last call, "dmesg| ..."
#   emit_artifact kallsyms /proc/kallsyms   # send a file to the host (scenario "artifacts")
#
# Where things are in the guest:
#   /lp/NAME.ko                        every .ko named in the scenario's "modules" file
#   /lib/modules/$KVER/extra/NAME.ko   the same files, indexed by depmod (modprobe NAME)
#   /lib/modules/$KVER/kernel/...      Debian modules named there, with their dependencies
#   /etc/harness/scenario              the scenario name
#   /etc/harness/artifacts             "NAME /dev/ttySn" for each declared artifact
#
# Never "set -e" here: if /init exits, the kernel panics (the run then fails
# because "### harness: done" is missing, but the log is less useful).

export PATH=/bin:/sbin
HARNESS_DMESG_SEEN=0

# mount devtmpfs/proc/sysfs and re-open the console from devtmpfs (the image has
# no device nodes of its own, so building it needs no root)
mount_basics() {
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	exec 0<>/dev/console 1>&0 2>&0
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mkdir -p /tmp
}

banner() {
	echo   # the console line may still hold "Booting from ROM.."
	echo "### harness: scenario $(cat /etc/harness/scenario) on $(uname -r)"
	echo "cmdline: $(cat /proc/cmdline)"
	echo "tainted=$(cat /proc/sys/kernel/tainted)"
}

section() { echo; echo "=== $*"; }

# run CMD... : print "+ CMD", eval it, print "rc=N"; returns N.
# The runner's "rc" and "output" facts look for exactly these lines.
run() {
	echo "+ $*"
	eval "$*"
	rc=$?
	echo "rc=$rc"
	return $rc
}

# wait_transition PATCH [MAX_TENTHS]: poll (100 ms steps, default max 30 s) until
# /sys/kernel/livepatch/PATCH/transition is 0 or the directory is gone (a disabled
# patch leaves sysfs once unpatching completes). Returns 1 on timeout.
# Only one livepatch transition can run at a time: call this after every insmod
# of a livepatch and after every disable, before the next one.
wait_transition() {
	_d=/sys/kernel/livepatch/$1
	_max=${2:-300}
	_i=0
	while [ -d "$_d" ] && [ "$(cat "$_d/transition" 2>/dev/null)" = 1 ] && [ $_i -lt "$_max" ]; do
		usleep 100000
		_i=$((_i + 1))
	done
	if [ -d "$_d" ]; then
		echo "livepatch $1: enabled=$(cat "$_d/enabled") transition=$(cat "$_d/transition") (waited ${_i}x100ms)"
		[ "$(cat "$_d/transition")" = 0 ]
	else
		echo "livepatch $1: not in /sys/kernel/livepatch (waited ${_i}x100ms)"
	fi
}

# lp_disable PATCH: disable a livepatch, wait for the unpatching transition and
# for the kernel to drop its module reference (asynchronous, after the sysfs
# directory went away), so that a following "rmmod PATCH" does not race.
lp_disable() {
	run "echo 0 > /sys/kernel/livepatch/$1/enabled"
	wait_transition "$1"
	_i=0
	while [ -d "/sys/kernel/livepatch/$1" ] ||
	      [ "$(cat "/sys/module/$1/refcnt" 2>/dev/null || echo 0)" != 0 ]; do
		[ $_i -lt 300 ] || { echo "livepatch $1: module still referenced after 30 s"; return 1; }
		usleep 100000
		_i=$((_i + 1))
	done
	echo "livepatch $1: disabled and released"
}

# show_livepatches: state and sysfs tree of every loaded livepatch, e.g.
#   /sys/kernel/livepatch/livepatch_cmdline: enabled=1 transition=0
#       /vmlinux/cmdline_proc_show,1
show_livepatches() {
	for _d in /sys/kernel/livepatch/*; do
		[ -d "$_d" ] || { echo "(no livepatches)"; return 0; }
		echo "$_d: enabled=$(cat "$_d/enabled") transition=$(cat "$_d/transition")"
		(cd "$_d" && find . -type d | sort | sed '1d; s/^\./    /')
	done
}

# dmesg_new: print the kernel log lines not printed yet, prefixed "dmesg| "
dmesg_new() {
	_all=$(dmesg)
	_n=$(printf '%s\n' "$_all" | wc -l)
	printf '%s\n' "$_all" | tail -n +$((HARNESS_DMESG_SEEN + 1)) | sed 's/^/dmesg| /'
	HARNESS_DMESG_SEEN=$_n
}

# dmesg_skip: mark everything logged so far as seen (the boot messages)
dmesg_skip() { HARNESS_DMESG_SEEN=$(dmesg | wc -l); }

# emit_artifact NAME FILE: copy FILE byte-exact to the host through the serial
# port that the runner attached for artifact NAME (declared in the scenario's
# "artifacts" file; the host keeps it as $KLP_SPLIT_CACHE/harness/artifacts/
# <scenario>/NAME). Prints "### artifact NAME: BYTES bytes md5 SUM", which the
# runner compares with what arrived. FILE is snapshotted first (/proc files
# can change between reads).
emit_artifact() {
	_tty=$(awk -v n="$1" '$1 == n { print $2 }' /etc/harness/artifacts 2>/dev/null)
	if [ -z "$_tty" ]; then
		echo "emit_artifact: artifact '$1' is not declared in the scenario's artifacts file"
		return 1
	fi
	cat "$2" > "/tmp/artifact.$1" || return 1
	_bytes=$(wc -c < "/tmp/artifact.$1")
	_md5=$(md5sum < "/tmp/artifact.$1" | cut -d' ' -f1)
	_line=${_tty#/dev/ttyS}
	stty -F "$_tty" raw -echo
	_tx0=$(sed -n "s/^$_line: .* tx:\([0-9]*\) .*/\1/p" /proc/tty/driver/serial)
	cat "/tmp/artifact.$1" > "$_tty"
	# wait until the UART has sent everything (cat returns when the tty buffer has it)
	_i=0
	while :; do
		_tx=$(sed -n "s/^$_line: .* tx:\([0-9]*\) .*/\1/p" /proc/tty/driver/serial)
		[ $((_tx - _tx0)) -lt "$_bytes" ] || break
		[ $_i -lt 600 ] || { echo "emit_artifact: $1: only $((_tx - _tx0)) of $_bytes bytes sent after 60 s"; break; }
		usleep 100000
		_i=$((_i + 1))
	done
	rm -f "/tmp/artifact.$1"
	echo "### artifact $1: $_bytes bytes md5 $_md5 via $_tty"
}

# tty_drain N: wait (max 10 s) until serial port ttySN has sent what was written
# to it: its tx counter in /proc/tty/driver/serial stays the same for 100 ms.
# Console output is buffered in the tty layer; without this, power-off or a
# panic can cut off the last lines.
tty_drain() {
	_prev=-1
	_i=0
	while [ $_i -lt 100 ]; do
		_tx=$(sed -n "s/^$1: .* tx:\([0-9]*\) .*/\1/p" /proc/tty/driver/serial)
		[ "$_tx" != "$_prev" ] || return 0
		_prev=$_tx
		usleep 100000
		_i=$((_i + 1))
	done
}

# finish: end marker + power off (qemu then exits with status 0). The runner
# requires the marker: a guest that panics or hangs never passes.
finish() {
	echo
	echo "tainted=$(cat /proc/sys/kernel/tainted) uptime=$(cut -d' ' -f1 /proc/uptime)s"
	echo "### harness: done"
	sync
	tty_drain 0
	poweroff -f
	sleep 5
}
