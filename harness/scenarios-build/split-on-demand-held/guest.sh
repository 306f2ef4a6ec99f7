# split-on-demand-held (issue 16): another, unrelated livepatch (lp_hold) is in transition
# because a task sleeps inside the function it patches (holdmod_wait(), 20 s, uninterruptible).
# The kernel runs one livepatch transition at a time. With nothing of lp_split loaded,
# "modprobe sr_mod" must still load sr_mod and cdrom; each part waits until lp_hold's
# transition has ended, then loads and patches its module.
section "hold a livepatch transition open"
run /sbin/modprobe holdmod
cat /proc/holdmod > /tmp/held &
usleep 500000
run insmod /lp/lp_hold.ko
echo "lp_split-check: lp_hold transition before: $(cat /sys/kernel/livepatch/lp_hold/transition)"

section "modprobe sr_mod while lp_hold's transition runs"
t0=$(cut -d. -f1 /proc/uptime)
run /sbin/modprobe ata_piix
run /sbin/modprobe sr_mod
t1=$(cut -d. -f1 /proc/uptime)
echo "lp_split-check: lp_hold transition after modprobe sr_mod: $(cat /sys/kernel/livepatch/lp_hold/transition)"
echo "lp_split-check: modprobe sr_mod took $((t1 - t0)) s"
wait_transition lp_split__sr_mod
i=0
while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
for m in cdrom sr_mod lp_split lp_split__cdrom lp_split__sr_mod; do
	if [ -d /sys/module/$m ]; then echo "lp_split-check: $m loaded"; else echo "lp_split-check: $m missing"; fi
done
show_livepatches
run 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1'
run 'cat /proc/sys/dev/cdrom/info'
wait
run 'cat /tmp/held'
dmesg_new
