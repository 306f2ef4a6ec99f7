# convert-whole: modules that `klp-split convert` wrote, each ONE livepatch
# (not split).
#
# lp_twofiles: two translation units (a.c, b.c) each read vmlinux's duplicated
# static `ucode_path`, a.c annotated KLP_SYMPOS(ucode_path, 1), b.c
# KLP_SYMPOS(ucode_path, 2). Proves that each reference reached the occurrence
# its own file asked for (the guest looks both printed addresses up in its
# /proc/kallsyms), and that b.c's pointer table (a data relocation) got b.c's position.
# lp_cdrom: a cdrom livepatch whose export (cdrom_check_events) and statics
# became .klp.sym.cdrom.* relocations: it loads BEFORE cdrom (late module
# patching), patches cdrom when it comes, and does not pin it.
#
# Assumptions: module names lp_twofiles and lp_cdrom, each with its own
# klp_patch of the same name; lp_twofiles prints
# "lp_twofiles: <file> ucode_path@<%px> <string>" lines into /proc/cmdline.

section "lp_twofiles: annotations per translation unit"
run insmod /lp/lp_twofiles.ko
wait_transition lp_twofiles
run 'cat /proc/cmdline | tee /tmp/cmdline'
run 'grep " ucode_path$" /proc/kallsyms'
total=$(grep -c ' ucode_path$' /proc/kallsyms)
for f in a.c b.c "b.c table"; do
	addr=$(sed -n "s/^lp_twofiles: $f ucode_path@\([0-9a-f]*\) .*/\1/p" /tmp/cmdline)
	occ=$(grep ' ucode_path$' /proc/kallsyms | awk -v a="$addr" '$1 == a { print NR }')
	echo "lp_twofiles-check: $f read ucode_path@${addr:-none}, occurrence ${occ:-none} of $total"
done
dmesg_new

section "lp_cdrom: loads before cdrom, patches it when it comes, does not pin it"
run 'lsmod'
run insmod /lp/lp_cdrom.ko
wait_transition lp_cdrom
run modprobe cdrom
run 'cat /proc/sys/dev/cdrom/info'
show_livepatches
echo "lp_cdrom-check: cdrom holders: [$(ls /sys/module/cdrom/holders | tr '\n' ' ')] refcnt $(cat /sys/module/cdrom/refcnt)"
run rmmod cdrom
dmesg_new

section "unload"
lp_disable lp_cdrom
run rmmod lp_cdrom
lp_disable lp_twofiles
run rmmod lp_twofiles
run 'cat /proc/cmdline'
dmesg_new
