# baseline-implicit-dependency: livepatch_cdrom patches cdrom_sysctl_info() in
# cdrom.ko and calls the cdrom export cdrom_check_events() as a plain extern. The
# module loader resolves that extern against cdrom.ko and records a module
# reference: the livepatch cannot load before cdrom, and cdrom cannot be removed
# while the livepatch is loaded - the dependency klp-split exists to remove.

section "what depmod and modinfo see"
run 'grep livepatch_cdrom /lib/modules/$(uname -r)/modules.dep'
run 'modinfo /lp/livepatch_cdrom.ko | grep -E "^(depends|livepatch)"'

section "insmod livepatch_cdrom.ko BEFORE cdrom.ko"
run insmod /lp/livepatch_cdrom.ko
dmesg_new

section "modprobe cdrom, then insmod livepatch_cdrom.ko"
run modprobe cdrom
run 'cat /proc/sys/dev/cdrom/info | head -2'
run insmod /lp/livepatch_cdrom.ko
wait_transition livepatch_cdrom
run 'cat /proc/sys/dev/cdrom/info'
show_livepatches
run lsmod
run cat /sys/module/cdrom/refcnt
run ls /sys/module/cdrom/holders
dmesg_new

section "rmmod cdrom while the livepatch is loaded"
run rmmod cdrom
run 'lsmod | grep -c "^cdrom "'
dmesg_new

section "disable + unload the livepatch, then rmmod cdrom"
lp_disable livepatch_cdrom
run rmmod livepatch_cdrom
run rmmod cdrom
run lsmod
dmesg_new
