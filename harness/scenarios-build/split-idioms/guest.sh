# split-idioms (issue 19): the two parts of Fixtures/modules*/lp_idioms.ko, whose replacement
# functions (vmlinux cmdline_proc_show, cdrom cdrom_sysctl_info) use the same everyday idioms:
# pr_debug/dev_dbg, pr_warn_once/printk_once/WARN_ONCE, WARN_ON/WARN_ON_ONCE/BUG_ON,
# pr_info_ratelimited, the kfree tracepoint, static branches on an exported and a non-exported
# vmlinux key, cond_resched's static call, __get_user. Each part carries its own descriptors,
# once-flags and table entries; this proves the kernel sees them per part.

section "load sr_mod (+cdrom), then the parts"
run modprobe ata_piix
run modprobe sr_mod
i=0
while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
run insmod /lp/lp_idioms.ko
wait_transition lp_idioms
run insmod /lp/lp_idioms__cdrom.ko
wait_transition lp_idioms__cdrom
show_livepatches
dmesg_new

section "dynamic debug: every site under its part's module name"
run 'grep -c "\[lp_idioms\]" /proc/dynamic_debug/control'
run 'grep -c "\[lp_idioms__cdrom\]" /proc/dynamic_debug/control'
run 'grep "\[lp_idioms" /proc/dynamic_debug/control'

section "first calls: pr_debug off, once-prints, ratelimited, __get_user"
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
dmesg_new

section "module lp_idioms +p: only the main part's pr_debug/dev_dbg print"
run "echo 'module lp_idioms +p' > /proc/dynamic_debug/control"
run 'grep "\[lp_idioms" /proc/dynamic_debug/control'
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
dmesg_new

section "module lp_idioms__cdrom +p: now the cdrom part's print too"
echo "lp_idioms-check: cdrom pr_debug lines before its +p: $(dmesg | grep -c 'cdrom: pr_debug call')"
run "echo 'module lp_idioms__cdrom +p' > /proc/dynamic_debug/control"
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
dmesg_new
wv=$(dmesg | sed -n 's/.*WARNING: CPU: [0-9]* PID: [0-9]* at [^ ]*lp_idioms\.c:\([0-9]*\) livepatch_idioms_cmdline_proc_show+.*/\1/p' | sort -u | tr '\n' ' ')
wc=$(dmesg | sed -n 's/.*WARNING: CPU: [0-9]* PID: [0-9]* at [^ ]*lp_idioms\.c:\([0-9]*\) livepatch_idioms_cdrom_sysctl_info+.*/\1/p' | sort -u | tr '\n' ' ')
sv=$(grep -n 'LP_IDIOMS("vmlinux"' /usr/src/lp_idioms/lp_idioms.c | cut -d: -f1)
sc=$(grep -n 'LP_IDIOMS("cdrom"' /usr/src/lp_idioms/lp_idioms.c | cut -d: -f1)
echo "lp_idioms-check: vmlinux WARN lines [${wv}] source line ${sv:-none}"
echo "lp_idioms-check: cdrom WARN lines [${wc}] source line ${sc:-none}"
echo "lp_idioms-check: once-prints $(dmesg | grep -c 'vmlinux: pr_warn_once') $(dmesg | grep -c 'vmlinux: printk_once') $(dmesg | grep -c 'cdrom: pr_warn_once') $(dmesg | grep -c 'cdrom: printk_once')"
echo "lp_idioms-check: WARN_ONCE messages $(dmesg | grep -c 'vmlinux: WARN_ONCE') $(dmesg | grep -c 'cdrom: WARN_ONCE')"

section "ratelimited: 30 quick calls print at most the burst, then 'callbacks suppressed'"
n=0
while [ $n -lt 30 ]; do cat /proc/cmdline > /dev/null; n=$((n + 1)); done
echo "lp_idioms-check: ratelimited lines $(dmesg | grep -c 'vmlinux: ratelimited')"
sleep 6
run 'cat /proc/cmdline'
dmesg_new

section "the kfree tracepoint from the parts (exported vmlinux key, static call)"
mkdir -p /sys/kernel/tracing
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
run 'echo 1 > /sys/kernel/tracing/events/kmem/kfree/enable'
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
run 'echo 0 > /sys/kernel/tracing/events/kmem/kfree/enable'
echo "lp_idioms-check: kfree events of the vmlinux part $(grep -c 'call_site=0x1d1001 ' /sys/kernel/tracing/trace), of the cdrom part $(grep -c 'call_site=0x1d1002 ' /sys/kernel/tracing/trace)"

section "static branch on the non-exported vmlinux key sched_schedstats (klp relocation in __jump_table)"
run 'cat /proc/cmdline'
run 'echo 1 > /proc/sys/kernel/sched_schedstats'
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
run 'echo 0 > /proc/sys/kernel/sched_schedstats'
dmesg_new

section "rmmod of the patched modules with the parts loaded"
run rmmod sr_mod
run rmmod cdrom
run 'grep -c "\[lp_idioms__cdrom\]" /proc/dynamic_debug/control'
show_livepatches
dmesg_new

section "unload the parts: their sites leave dynamic debug"
lp_disable lp_idioms__cdrom
run rmmod lp_idioms__cdrom
lp_disable lp_idioms
run rmmod lp_idioms
run 'grep -c "lp_idioms" /proc/dynamic_debug/control'
run 'cat /proc/cmdline'
dmesg_new
