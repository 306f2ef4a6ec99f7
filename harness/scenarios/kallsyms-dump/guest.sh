# kallsyms-dump: load real Debian modules that have no hardware here (cdrom,
# sr_mod and its SCSI dependencies, loop, isofs) and send the guest's
# /proc/kallsyms byte-exact to the host (second serial port, see emit_artifact).
# PVH boot does not randomise kernel text ("Kernel Offset: disabled"), so the
# vmlinux addresses are the same on every boot; module addresses are not.

section "load Debian modules"
run modprobe cdrom
run modprobe sr_mod
run modprobe loop
run modprobe isofs
run lsmod
run 'cat /proc/sys/kernel/kptr_restrict'
dmesg_new

section "dump /proc/kallsyms"
run 'wc -l < /proc/kallsyms'
run 'grep -c "\[cdrom\]$" /proc/kallsyms'
emit_artifact kallsyms /proc/kallsyms
