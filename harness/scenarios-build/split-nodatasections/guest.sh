# split-nodatasections: a livepatch whose klp structs share .data with other data (built
# without -fdata-sections). Before issue 15 its part lost 4 of the 6 relocations of the klp
# structs and insmod failed with "Invalid argument"; the part that build writes now, and the
# module that convert writes, both load and patch cdrom.
section "cdrom, then the part build wrote"
run modprobe cdrom
run insmod /lp/lp_nodatasections__cdrom.ko
wait_transition lp_nodatasections__cdrom
show_livepatches
run 'cat /proc/sys/dev/cdrom/info'
echo "lp-check: cdrom holders: [$(ls /sys/module/cdrom/holders | tr '\n' ' ')]"
dmesg_new
section "the part out, then the module convert wrote"
lp_disable lp_nodatasections__cdrom
run rmmod lp_nodatasections__cdrom
run insmod /lp/lp_nodatasections.ko
wait_transition lp_nodatasections
show_livepatches
run 'cat /proc/sys/dev/cdrom/info'
lp_disable lp_nodatasections
run rmmod lp_nodatasections
run rmmod cdrom
dmesg_new
