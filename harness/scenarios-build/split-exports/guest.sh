# split-exports (issue 16): one C file per patched object (vmlinux, fat, vfat). The main part
# exports a counter that the fat part uses (C); the fat part exports a helper that the vfat part
# uses (D, allowed: vfat depends on fat). The parts load in the order load-order gives, patch a
# FAT file system mounted from a loop image, share the main part's counter, and hold only each
# other: fat and vfat can go with every part loaded.
section "main part, then vfat and fat, then their parts"
run insmod /lp/lp_exports.ko
wait_transition lp_exports
run 'cat /proc/cmdline'
run modprobe vfat
run modprobe nls_cp437
run modprobe nls_utf8
run modprobe nls_ascii
run insmod /lp/lp_exports__fat.ko
wait_transition lp_exports__fat
run insmod /lp/lp_exports__vfat.ko
wait_transition lp_exports__vfat
show_livepatches
dmesg_new

section "a FAT file system: readdir (fat part) and name hashing (vfat part)"
run 'dd if=/dev/zero of=/tmp/fat.img bs=1024 count=2048'
run 'mkdosfs /tmp/fat.img'
mkdir -p /mnt/v
# check=s: strict names, so vfat uses vfat_dentry_ops (vfat_hash, the patched function), not vfat_ci_dentry_ops
run 'mount -o loop,check=s -t vfat /tmp/fat.img /mnt/v'
run 'touch /mnt/v/hello.txt'
run 'ls /mnt/v'
run 'ls /mnt/v/hello.txt...'
run 'cat /proc/cmdline'
dmesg_new

section "holders"
run lsmod
for m in lp_exports lp_exports__fat lp_exports__vfat fat vfat; do
	echo "lp-check: $m holders: [$(ls /sys/module/$m/holders | tr '\n' ' ')]"
done

section "fat and vfat go with every part loaded"
run 'umount /mnt/v'
run rmmod vfat
run rmmod fat
show_livepatches
dmesg_new
