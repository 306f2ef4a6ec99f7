# split-on-demand-first (issue 16): nothing of the livepatch is loaded, and the very first
# action is "modprobe sr_mod", a patched module that depends on another patched module
# (cdrom). kmod runs cdrom's install rule (cdrom, then its part, whose rule loads the main
# part first and waits for its transition), then sr_mod's (sr_mod, then its part). Before
# the fix the cdrom part met the main part's running transition (-EBUSY), the && chain
# failed, and sr_mod itself was not loaded. The user's modules must load in every case.
section "the policy; nothing loaded"
run 'cat /etc/modprobe.d/lp_split.conf'
echo "lp_split-check: before: livepatches [$(ls /sys/kernel/livepatch 2>/dev/null | tr '\n' ' ')]"

section "modprobe sr_mod as the first action"
run /sbin/modprobe ata_piix
run /sbin/modprobe sr_mod
wait_transition lp_split
wait_transition lp_split__cdrom
wait_transition lp_split__sr_mod
i=0
while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
for m in cdrom sr_mod lp_split lp_split__cdrom lp_split__sr_mod; do
	if [ -d /sys/module/$m ]; then echo "lp_split-check: $m loaded"; else echo "lp_split-check: $m missing"; fi
done
echo "lp_split-check: after: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
show_livepatches
run 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1'
run 'cat /proc/sys/dev/cdrom/info'
for m in cdrom sr_mod; do
	echo "lp_split-check: $m holders: [$(ls /sys/module/$m/holders | tr '\n' ' ')]"
done
dmesg_new
