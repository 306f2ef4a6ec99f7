# split-reload-direct: the module a part patches is removed and inserted again
# directly (busybox rmmod/modprobe, no load policy) while the part stays loaded.
# The part holds no reference on cdrom, so the removal works on every kernel; the
# insertion is where kernels differ: 6.1 has no clear_relocate_add (added in 6.3),
# so the part's klp relocations into cdrom keep their old values and the x86 loader
# refuses to write them again ("Skipping invalid relocation target ..."), and cdrom
# is refused; 6.12 clears them when cdrom goes, so cdrom loads and is patched again.
# (split-reload shows the policy that avoids the 6.1 failure.)
#
# Assumptions: part names lp_split and lp_split__cdrom (see split-eager).

state() { # state LABEL
	_s=
	for m in cdrom lp_split__cdrom; do
		if [ -d /sys/module/$m ]; then _s="$_s $m=loaded"; else _s="$_s $m=gone"; fi
	done
	echo "lp_split-check: $1:$_s"
}

section "cdrom, then the main part and the cdrom part"
run modprobe cdrom
run insmod /lp/lp_split.ko
wait_transition lp_split
run insmod /lp/lp_split__cdrom.ko
wait_transition lp_split__cdrom
echo "lp_split-check: before info: $(head -n 1 /proc/sys/dev/cdrom/info)"
dmesg_new

for round in 1 2; do
	section "round $round: rmmod cdrom and modprobe it again, the part stays loaded"
	run rmmod cdrom
	state "round $round after rmmod cdrom"
	run modprobe cdrom
	state "round $round after modprobe cdrom"
	echo "lp_split-check: round $round info: $(head -n 1 /proc/sys/dev/cdrom/info 2>&1)"
	dmesg_new
done

section "unload the parts"
lp_disable lp_split__cdrom
run rmmod lp_split__cdrom
lp_disable lp_split
run rmmod lp_split
dmesg_new
