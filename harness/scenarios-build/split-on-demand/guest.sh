# split-on-demand: with the emitted load policy (lp_split.conf in /etc/modprobe.d)
# and kmod's modprobe, a part comes with its module: once the main part is
# loaded, "modprobe cdrom" brings lp_split__cdrom and "modprobe sr_mod" brings
# lp_split__sr_mod, each patch applies, and no part pins its module.
#
# Assumptions (adjust to the emitted conf):
# * the policy is keyed on the patched modules (install/softdep rules for cdrom and
#   sr_mod) and loads a part only while the main part lp_split is loaded, waiting
#   for each transition itself; the guest still waits (wait_transition) after
#   every modprobe before it checks anything;
# * the main part is loaded with "/sbin/modprobe lp_split" (it is indexed by depmod
#   under extra/), so rules for lp_split itself, if any, apply too;
# * commands in the conf use /sbin/modprobe, /sbin/insmod, /sbin/rmmod or /bin/sh
#   (all present: kmod via the tools file, busybox for the rest).

section "the policy"
run 'cat /etc/modprobe.d/lp_split.conf'
run 'cat /lp/load-order'
run '/sbin/modprobe --version'
run '/sbin/modprobe -c | grep -E "lp_split|^(install|remove|softdep) (cdrom|sr_mod) "'

section "main part first, no patched module loaded yet"
run /sbin/modprobe lp_split
wait_transition lp_split
echo "lp_split-check: after the main part: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
dmesg_new

section "modprobe cdrom brings lp_split__cdrom"
run /sbin/modprobe cdrom
wait_transition lp_split__cdrom
echo "lp_split-check: after cdrom: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
show_livepatches
run 'cat /proc/sys/dev/cdrom/info'
echo "lp_split-check: cdrom holders: [$(ls /sys/module/cdrom/holders | tr '\n' ' ')] refcnt $(cat /sys/module/cdrom/refcnt)"
dmesg_new

section "modprobe sr_mod (with the IDE controller) brings lp_split__sr_mod"
run /sbin/modprobe ata_piix
run /sbin/modprobe sr_mod
wait_transition lp_split__sr_mod
i=0
while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
echo "lp_split-check: after sr_mod: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
show_livepatches
run 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1'
run 'dmesg | grep -c "lp_split: sr_mod patched"'
run 'cat /proc/sys/dev/cdrom/info'
run lsmod
for m in cdrom sr_mod; do
	echo "lp_split-check: $m holders: [$(ls /sys/module/$m/holders | tr '\n' ' ')] refcnt $(cat /sys/module/$m/refcnt)"
done
dmesg_new
