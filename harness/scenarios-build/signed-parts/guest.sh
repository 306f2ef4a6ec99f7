# signed-parts: the kernel booted with module.sig_enforce=1 (the scenario's cmdline file).
#
# An unsigned livepatch (lp_cdrom, written by klp-split convert) is refused as unsigned. Parts
# that klp-split build signed with the TEST-ONLY key (Fixtures/signing) get further: the kernel
# parses their PKCS#7 signature and looks the signer's key up, which is not in its keyring, so it
# refuses them as signed with an unavailable key. That difference proves the kernel parsed our
# signature (kernel/module/signing.c module_sig_check(): -ENODATA "unsigned module" versus
# -ENOKEY "module with unavailable key"). Debian's own cdrom, signed with a key the kernel
# trusts, still loads.
#
# Assumptions: lp_cdrom.ko is unsigned; lp_split.ko and lp_split__cdrom.ko are signed with a key
# no kernel trusts.

section "module.sig_enforce is on"
run 'cat /sys/module/module/parameters/sig_enforce'
run 'cat /proc/cmdline'

section "an unsigned livepatch is refused as unsigned"
run insmod /lp/lp_cdrom.ko
dmesg_new

section "parts signed with the test key reach the key lookup"
run insmod /lp/lp_split.ko
dmesg_new
run insmod /lp/lp_split__cdrom.ko
dmesg_new
run lsmod

section "a module Debian signed loads"
run modprobe cdrom
run lsmod
dmesg_new
