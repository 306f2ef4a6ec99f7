# split-eager: the three parts that `klp-split build` makes of Fixtures/modules/
# lp_split.ko, loaded by hand (insmod) after the patched modules, one transition
# at a time. Proves: each part patches its object; no part pins cdrom or sr_mod
# (klp relocations instead of module references); the patched modules can be
# removed while the parts stay; the main part's own __bug_table (WARN file:line)
# and __ex_table (user fault recovered) work; the sympos given to the build
# (--sympos ucode_path=2) is the occurrence the part reached.
#
# Assumptions (from the build's contract; adjust if the build differs):
# * part module names lp_split, lp_split__cdrom, lp_split__sr_mod, each with its
#   own klp_patch of the same name (/sys/kernel/livepatch/<name>);
# * lp_split__sr_mod imports livepatch_split_cdrom_check_events from
#   lp_split__cdrom (inter-livepatch D), so lp_split__cdrom loads first;
# * no modprobe.d policy is installed here (busybox modprobe in any case).

section "load the patched modules: sr_mod (+cdrom) and the IDE controller"
run 'cat /lp/load-order'
run modprobe ata_piix
run modprobe sr_mod
i=0
while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
run 'ls /sys/block'

section "insmod the parts: main, cdrom, sr_mod"
run insmod /lp/lp_split.ko
wait_transition lp_split
run insmod /lp/lp_split__cdrom.ko
wait_transition lp_split__cdrom
run insmod /lp/lp_split__sr_mod.ko
wait_transition lp_split__sr_mod
show_livepatches
dmesg_new

section "vmlinux part: /proc/cmdline, user fault, WARN"
# first read: patched text; the user access to 0x10 faults and is recovered
run 'cat /proc/cmdline | tee /tmp/cmdline.1'
# second read: WARN_ON_ONCE fires
run 'cat /proc/cmdline'
dmesg_new
wl=$(dmesg | sed -n 's/.*WARNING: CPU: [0-9]* PID: [0-9]* at \([^ ]*\):\([0-9]*\) livepatch_split_cmdline_proc_show+.*/\1 \2/p' | head -n 1)
sl=$(grep -n LP_SPLIT_WARN_LINE /usr/src/lp_split/lp_split.c | head -n 1 | cut -d: -f1)
echo "lp_split-check: WARN at ${wl:-none}; source marker at line ${sl:-none}"

section "vmlinux part: which ucode_path (--sympos ucode_path=2)"
run 'grep " ucode_path$" /proc/kallsyms'
addr=$(sed -n 's/^lp_split: ucode_path@\([0-9a-f]*\) .*/\1/p' /tmp/cmdline.1)
occ=$(grep ' ucode_path$' /proc/kallsyms | awk -v a="$addr" '$1 == a { print NR }')
total=$(grep -c ' ucode_path$' /proc/kallsyms)
echo "lp_split-check: ucode_path@${addr:-none} is occurrence ${occ:-none} of $total"

section "cdrom part: /proc/sys/dev/cdrom/info"
run 'cat /proc/sys/dev/cdrom/info'

section "sr_mod part: opening /dev/sr0 calls sr_block_check_events"
run 'dmesg | grep -c "lp_split: sr_mod patched"'
# the drive is empty: the open fails with ENOMEDIUM after the media-change check
run 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1'
run 'dmesg | grep -c "lp_split: sr_mod patched"'
dmesg_new

section "no part holds cdrom or sr_mod"
run lsmod
for m in cdrom sr_mod; do
	echo "lp_split-check: $m holders: [$(ls /sys/module/$m/holders | tr '\n' ' ')] refcnt $(cat /sys/module/$m/refcnt)"
done
echo "lp_split-check: lp_split__cdrom holders: [$(ls /sys/module/lp_split__cdrom/holders | tr '\n' ' ')]"

section "remove sr_mod and cdrom while the parts stay loaded"
run rmmod sr_mod
run rmmod cdrom
run 'lsmod'
run 'ls /sys/kernel/livepatch'
show_livepatches
run 'cat /proc/cmdline'
dmesg_new

section "unload the parts (sr_mod part first: it uses the cdrom part)"
lp_disable lp_split__sr_mod
run rmmod lp_split__sr_mod
lp_disable lp_split__cdrom
run rmmod lp_split__cdrom
lp_disable lp_split
run rmmod lp_split
run 'cat /proc/cmdline'
dmesg_new
