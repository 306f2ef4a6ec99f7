#!/bin/sh
# /init of the ppc64le split scenario (harness/ppc64le/run.sh): loads the parts klp-split built
# from Fixtures/ppc64le/modules/lp_ppc_split.ko in load-order, proves each patches, loads and
# unloads vfat and fat twice with the parts loaded (nothing pins them; the vfat part is applied
# again when vfat comes back), then disables and unloads the parts. Then the same for the module
# 'klp-split convert' made of lp_ppc_split.ko (one module, klp relocations for vfat).
. /lib/harness/guest.sh
mount_basics; banner; dmesg_skip
mkdir -p /mnt/x
section "load the parts"
run 'cat /proc/cmdline'
run insmod /lp/lp_ppc_split.ko
wait_transition lp_ppc_split
run 'cat /proc/cmdline'
run insmod /lp/lp_ppc_split__vfat.ko
wait_transition lp_ppc_split__vfat
show_livepatches
dmesg_new
for round in 1 2; do
	section "round $round: modprobe vfat, mount, rmmod vfat fat"
	run modprobe vfat
	wait_transition lp_ppc_split__vfat
	run 'grep -E "^(vfat|fat|lp_ppc_split|lp_ppc_split__vfat) " /proc/modules'
	run 'cat /sys/kernel/livepatch/lp_ppc_split__vfat/vfat/patched'
	run "mount -t vfat /dev/nonexistent-$round /mnt/x"
	run rmmod vfat
	run rmmod fat
	dmesg_new
done
section "disable + unload the parts"
lp_disable lp_ppc_split__vfat
run rmmod lp_ppc_split__vfat
lp_disable lp_ppc_split
run rmmod lp_ppc_split
run 'cat /proc/cmdline'
run modprobe vfat
run 'mount -t vfat /dev/nonexistent-after /mnt/x'
dmesg_new
section "convert: the whole module (klp-split convert), vfat already loaded"
run insmod /lp/lp_ppc_split_converted.ko
wait_transition lp_ppc_split
run 'cat /proc/cmdline'
run 'cat /sys/kernel/livepatch/lp_ppc_split/vfat/patched'
run 'mount -t vfat /dev/nonexistent-convert /mnt/x'
run rmmod vfat
run rmmod fat
lp_disable lp_ppc_split
run rmmod lp_ppc_split
dmesg_new
finish
