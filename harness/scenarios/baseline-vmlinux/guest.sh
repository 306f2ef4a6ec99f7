# baseline-vmlinux: livepatch_cmdline replaces vmlinux's cmdline_proc_show().
# Load it, see /proc/cmdline change, disable it, see the original text again,
# unload it. (Sourced by /init after mount_basics/banner; finish follows.)

section "before"
run 'cat /proc/cmdline'

section "insmod livepatch_cmdline.ko"
run insmod /lp/livepatch_cmdline.ko
wait_transition livepatch_cmdline
run 'cat /proc/cmdline'
show_livepatches
run lsmod
dmesg_new

section "disable the livepatch"
lp_disable livepatch_cmdline
run 'cat /proc/cmdline'
dmesg_new

section "unload the livepatch"
run rmmod livepatch_cmdline
run 'ls /sys/kernel/livepatch | wc -l'
run 'lsmod | grep -c livepatch_cmdline'
run 'cat /proc/cmdline'
dmesg_new
