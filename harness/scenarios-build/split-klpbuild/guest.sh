# split-klpbuild: the parts of a livepatch described by klp-build metadata
# (.init.klp_objects/.init.klp_funcs). The cdrom part keeps its object's pre_patch
# callback; it is loaded before cdrom and applies when cdrom loads, with no holder on cdrom.
section "main part, then the cdrom part before cdrom"
run insmod /lp/lp_klpbuild.ko
wait_transition lp_klpbuild
run 'cat /proc/cmdline'
run insmod /lp/lp_klpbuild__cdrom.ko
wait_transition lp_klpbuild__cdrom
show_livepatches
dmesg_new
section "modprobe cdrom: the part applies, pre_patch runs"
run modprobe cdrom
run 'cat /proc/sys/dev/cdrom/info'
run 'ls /sys/module/cdrom/holders | wc -l'
run rmmod cdrom
dmesg_new
