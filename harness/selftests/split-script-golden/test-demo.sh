#!/bin/bash
# A synthetic script in the form of the kernel's livepatch selftests (written for
# split-script-test.sh, not copied from the kernel): lp_demo patches vmlinux and mod_a.

. $(dirname $0)/functions.sh

MOD_LIVEPATCH=lp_demo
MOD_TARGET=mod_a
MOD_TARGET_OTHER=lp_other

setup_config

start_test "target first"

load_mod $MOD_TARGET
load_lp $MOD_LIVEPATCH
disable_lp $MOD_LIVEPATCH
unload_lp $MOD_LIVEPATCH
unload_mod $MOD_TARGET

check_result "% modprobe $MOD_TARGET
% modprobe $MOD_LIVEPATCH
livepatch: enabling patch '$MOD_LIVEPATCH'
livepatch: '$MOD_LIVEPATCH': initializing patching transition
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
$MOD_LIVEPATCH: pre_patch_callback: $MOD_TARGET -> [MODULE_STATE_LIVE] Normal state
livepatch: '$MOD_LIVEPATCH': starting patching transition
livepatch: '$MOD_LIVEPATCH': completing patching transition
livepatch: '$MOD_LIVEPATCH': patching complete
% echo 0 > /sys/kernel/livepatch/$MOD_LIVEPATCH/enabled
livepatch: '$MOD_LIVEPATCH': initializing unpatching transition
livepatch: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH
% rmmod $MOD_TARGET"

start_test "module notifier, failing module object"

load_lp $MOD_LIVEPATCH
set_pre_patch_ret $MOD_LIVEPATCH -19
load_failing_mod $MOD_TARGET

check_result "% insmod test_modules/$MOD_LIVEPATCH.ko
livepatch: enabling patch '$MOD_LIVEPATCH'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
% echo -19 > /sys/module/$MOD_LIVEPATCH/parameters/pre_patch_ret
% modprobe $MOD_TARGET
livepatch: applying patch '$MOD_LIVEPATCH' to loading module '$MOD_TARGET'
$MOD_LIVEPATCH: pre_patch_callback: $MOD_TARGET -> [MODULE_STATE_COMING] Full formed, running module_init
livepatch: pre-patch callback failed for object '$MOD_TARGET'
livepatch: patch '$MOD_LIVEPATCH' failed for module '$MOD_TARGET', refusing to load module '$MOD_TARGET'"

start_test "failing vmlinux object"

load_failing_mod $MOD_LIVEPATCH pre_patch_ret=-19 other=1

check_result "% modprobe $MOD_LIVEPATCH pre_patch_ret=-19 other=1
livepatch: enabling patch '$MOD_LIVEPATCH'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
livepatch: pre-patch callback failed for object 'vmlinux'
modprobe: ERROR: could not insert '$MOD_LIVEPATCH': No such device"

start_test "failing part not first"

load_failing_mod $MOD_LIVEPATCH pre_patch_ret=-19

check_result "% modprobe $MOD_LIVEPATCH pre_patch_ret=-19
livepatch: pre-patch callback failed for object '$MOD_TARGET'"

start_test "stalled transition"

load_lp_nowait $MOD_LIVEPATCH

check_result "% modprobe $MOD_LIVEPATCH"

start_test "loops and a count of livepatches"

for mod in $MOD_TARGET_OTHER $MOD_LIVEPATCH; do
	load_lp "$mod"
done

mods=(/sys/kernel/livepatch/*)
nmods=${#mods[@]}
if [ "$nmods" -ne 2 ]; then
	die "Expecting two modules listed, found $nmods"
fi

for mod in $MOD_LIVEPATCH; do disable_lp "$mod"; done
loop_until 'mods=(/sys/kernel/livepatch/*); nmods=${#mods[@]}; [[ "$nmods" -eq 1 ]]' ||
	die "Expecting one module listed, found $nmods"
for mod in $MOD_LIVEPATCH $MOD_TARGET_OTHER; do unload_lp "$mod"; done

check_result "% modprobe $MOD_TARGET_OTHER
% modprobe $MOD_LIVEPATCH
livepatch: enabling patch '$MOD_LIVEPATCH'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
livepatch: '$MOD_LIVEPATCH': patching complete
% echo 0 > /sys/kernel/livepatch/$MOD_LIVEPATCH/enabled
livepatch: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH
% rmmod $MOD_TARGET_OTHER"

start_test "script logic: a loop that does more"

for mod in $MOD_LIVEPATCH; do load_lp "$mod"; echo "$mod"; done

check_result ""

start_test "script logic: a sysfs read"

load_lp $MOD_LIVEPATCH
grep -q 0 /sys/kernel/livepatch/$MOD_LIVEPATCH/transition

check_result ""

exit 0
