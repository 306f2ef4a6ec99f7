# check-fixtures: the real kernel (6.1 or 6.12) refuses each broken fixture of its set
# with the message klp-split check quotes, and depmod records the implicit dependencies
# check reports.

section "what depmod records for the implicit-dependency fixtures and the clean part"
run 'grep -E "^extra/(implicit-dependency[a-z-]*|lp_cdrom__cdrom)\.ko:" /lib/modules/$(uname -r)/modules.dep | sort'

section "module-symbol-in-vmlinux-rela: a .klp.rela.vmlinux section naming a cdrom symbol, cdrom not loaded"
run insmod /lp/module-symbol-in-vmlinux-rela.ko
dmesg_new

section "klp-symbol-ambiguous: .klp.sym.vmlinux.driver_override_show,0"
run insmod /lp/klp-symbol-ambiguous.ko
dmesg_new

section "klp-sym-name: .klp.sym.cdrom.cdrom_mutex (no sympos), cdrom not loaded: loads, then cdrom is refused"
run insmod /lp/klp-sym-name.ko
wait_transition lp_cdrom__cdrom
run modprobe cdrom
dmesg_new
lp_disable lp_cdrom__cdrom
run rmmod lp_cdrom__cdrom

section "modprobe cdrom: from here on the cdrom klp relocations are applied when the patch is enabled"
run modprobe cdrom

section "klp-symbol-position: .klp.sym.cdrom.cdrom_mutex,2"
run insmod /lp/klp-symbol-position.ko
dmesg_new

section "klp-symbol-missing: .klp.sym.cdrom.cdrom_mutex_gone,0"
run insmod /lp/klp-symbol-missing.ko
dmesg_new

section "vmlinux-symbol-in-module-rela: .klp.sym.vmlinux.snprintf,0 in .klp.rela.cdrom"
run insmod /lp/vmlinux-symbol-in-module-rela.ko
dmesg_new

section "modinfo-livepatch: no livepatch=Y"
run insmod /lp/modinfo-livepatch.ko
dmesg_new

section "patched-function: old_name cdrom_sysctl_infx"
run insmod /lp/patched-function.ko
dmesg_new

section "the clean part still loads and patches"
run insmod /lp/lp_cdrom__cdrom.ko
wait_transition lp_cdrom__cdrom
show_livepatches
dmesg_new
