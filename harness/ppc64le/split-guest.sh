#!/bin/sh
# /init of the ppc64le split scenario (harness/ppc64le/run.sh): loads the parts klp-split built
# from Fixtures/ppc64le/modules/lp_ppc_split.ko in load-order, proves each patches, loads and
# unloads vfat and fat twice with the parts loaded (nothing pins them; the vfat part is applied
# again when vfat comes back), then disables and unloads the parts. Then the same for the module
# 'klp-split convert' made of lp_ppc_split.ko (one module, klp relocations for vfat).
# Then the check scenario: each broken fixture of Fixtures/ppc64le/check loaded with vfat there
# (the loader's own reaction). Then the .stubs limit: a fresh vfat part, vfat reloaded at new
# addresses (filler modules move it) until the kernel refuses vfat.
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

# check: the loader's own reaction to each broken fixture of Fixtures/ppc64le/check (run.sh
# also has 'klp-split check' refuse each one), with vfat and fat loaded
section "check fixtures: vfat loaded"
run modprobe vfat
section "check ppc64-no-stubs: .stubs renamed .stubx"
run insmod /lp/ppc64-no-stubs.ko
dmesg_new
section "check ppc64-klp-call-without-nop: ori r2,r2,0 after the klp bl to vfat_fill_super"
run insmod /lp/ppc64-klp-call-without-nop.ko
dmesg_new
section "check ppc64-toc16-klp-rela: TOC16_HA/LO to .klp.sym.vfat.vfat_fs_type,0"
run 'grep -w vfat_fs_type /proc/kallsyms'
run insmod /lp/ppc64-toc16-klp-rela.ko
wait_transition lp_ppc_toc16
run 'cat /sys/module/lp_ppc_toc16/sections/.toc'
run 'mount -t vfat /dev/nonexistent-toc16 /mnt/x'
dmesg_new
lp_disable lp_ppc_toc16
run rmmod lp_ppc_toc16
section "check ppc64-stubs-reload (a warning): klp REL24 to vfat_fill_super"
run insmod /lp/ppc64-stubs-reload.ko
wait_transition lp_ppc_split
run 'mount -t vfat /dev/nonexistent-stubs-fixture /mnt/x'
lp_disable lp_ppc_split
run rmmod lp_ppc_split
run rmmod vfat
run rmmod fat
dmesg_new

# the .stubs limit: a fresh vfat part, vfat reloaded at new addresses until the part's .stubs
# has no free entry for vfat_fill_super (each round prints vfat's address). vfat alone comes back
# at one of two addresses; a filler module loaded (+) or removed (-) before each modprobe moves
# it on. fat stays loaded (msdos needs it; fat_fill_super is an ADDR64, no stub).
section "stubs limit: the vfat part, vfat reloaded"
run insmod /lp/lp_ppc_split__vfat.ko
wait_transition lp_ppc_split__vfat
# where .stubs is among the part's sections (get_stubs_size() sized it at load)
run 'for f in /sys/module/lp_ppc_split__vfat/sections/.[!.]*; do echo "$(cat $f) ${f##*/}"; done | sort'
round=0
for step in . +livepatch-callbacks-mod +livepatch-shadow-mod +msdos +livepatch-callbacks-busymod \
	    -livepatch_callbacks_mod -livepatch_shadow_mod +livepatch-callbacks-mod -msdos +livepatch-shadow-mod; do
	round=$((round + 1))
	section "stubs round $round: $step"
	case $step in
	+*) run modprobe ${step#+} ;;
	-*) run rmmod ${step#-} ;;
	esac
	if ! run modprobe vfat; then
		dmesg_new
		break
	fi
	wait_transition lp_ppc_split__vfat
	run 'grep -E "^vfat " /proc/modules'
	run "mount -t vfat /dev/nonexistent-stubs-$round /mnt/x"
	run rmmod vfat
	dmesg_new
done
for m in livepatch_callbacks_busymod msdos livepatch_shadow_mod livepatch_callbacks_mod fat; do
	grep -q "^$m " /proc/modules && run rmmod $m
done
section "stubs limit: unload the vfat part, vfat loads again"
lp_disable lp_ppc_split__vfat
run rmmod lp_ppc_split__vfat
run modprobe vfat
run 'grep -E "^vfat " /proc/modules'
dmesg_new
finish
