# split-shadow (issue 17): two parts share a shadow variable (id 0x6c70 on init_task), which
# plan and check report as coupling-shadow-id. The vmlinux part counts /proc/cmdline reads in
# it, the cdrom part reads the count. The cdrom part is loaded first to show the window: its
# new code runs while the vmlinux part is not there and finds no shadow data; once the main
# part is loaded both parts work on the same data.
section "cdrom and its part first: the window, no shared count yet"
run modprobe cdrom
run insmod /lp/lp_shadow__cdrom.ko
wait_transition lp_shadow__cdrom
run 'cat /proc/sys/dev/cdrom/info'
dmesg_new

section "the main part: both parts use the shared shadow variable"
run insmod /lp/lp_shadow.ko
wait_transition lp_shadow
show_livepatches
run 'cat /proc/cmdline'
run 'cat /proc/cmdline'
run 'cat /proc/sys/dev/cdrom/info'
dmesg_new

section "both parts out"
lp_disable lp_shadow__cdrom
run rmmod lp_shadow__cdrom
lp_disable lp_shadow
run rmmod lp_shadow
run rmmod cdrom
dmesg_new
