# split-reload: on 6.1 (no clear_relocate_add, added in 6.3) a part whose klp
# relocations were applied for a module must be disabled and removed BEFORE that
# module goes, and loaded again after it comes back ("Skipping invalid relocation
# target, existing value is nonzero" otherwise, and the module refuses to load).
# Following the emitted policy with kmod's modprobe, cdrom is removed, inserted
# and patched again (three rounds), then the same through sr_mod, whose removal
# also takes the now unused cdrom with it (kmod's modprobe -r removes unused
# dependencies without running their remove rules).
#
# Assumptions (adjust to the emitted conf):
# * "/sbin/modprobe -r cdrom" / "-r sr_mod" run the policy's remove rules, which
#   disable and rmmod the parts first; "/sbin/modprobe cdrom" / "sr_mod" load them
#   again while the main part is loaded (see split-on-demand);
# * the removal of a part is complete when modprobe returns (the guest checks
#   /sys/module at once).

state() { # state LABEL: one line with what is loaded
	_s=
	for m in cdrom sr_mod lp_split__cdrom lp_split__sr_mod; do
		if [ -d /sys/module/$m ]; then _s="$_s $m=loaded"; else _s="$_s $m=gone"; fi
	done
	echo "lp_split-check: $1:$_s"
}

section "the policy and the main part"
run 'cat /etc/modprobe.d/lp_split.conf'
run /sbin/modprobe lp_split
wait_transition lp_split

for round in 1 2 3; do
	section "round $round: cdrom in, patched, out"
	run /sbin/modprobe cdrom
	wait_transition lp_split__cdrom
	state "round $round after modprobe cdrom"
	echo "lp_split-check: round $round info: $(head -n 1 /proc/sys/dev/cdrom/info)"
	run /sbin/modprobe -r cdrom
	state "round $round after modprobe -r cdrom"
	dmesg_new
done

section "sr_mod in (with cdrom), patched, out (takes cdrom), in again"
run /sbin/modprobe ata_piix
for round in 1 2; do
	run /sbin/modprobe sr_mod
	wait_transition lp_split__cdrom
	wait_transition lp_split__sr_mod
	i=0
	while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
	state "sr_mod round $round after modprobe sr_mod"
	run 'dd if=/dev/sr0 of=/dev/null bs=2048 count=1'
	echo "lp_split-check: sr_mod round $round: sr_mod patched lines: $(dmesg | grep -c 'lp_split: sr_mod patched')"
	echo "lp_split-check: sr_mod round $round info: $(head -n 1 /proc/sys/dev/cdrom/info)"
	run /sbin/modprobe -r sr_mod
	state "sr_mod round $round after modprobe -r sr_mod"
	dmesg_new
done
show_livepatches
