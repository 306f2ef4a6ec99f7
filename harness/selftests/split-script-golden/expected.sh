#!/bin/bash
# written by harness/selftests/split-script.py from upstream's test-demo.sh: lp_demo is loaded
# as its parts lp_demo lp_demo__mod_a (docs/harness.md, "The multi-part rule")
# R7: what upstream's /sys/kernel/livepatch/* lists, a part's directory folded into its
# livepatch's (no match: the glob itself, as bash leaves it)
klp_split_livepatches() {
	local d n seen=' '
	for d in /sys/kernel/livepatch/*; do
		n=${d##*/}
		case $n in lp_demo|lp_demo__mod_a) n=lp_demo ;; esac
		case $seen in *" $n "*) continue ;; esac
		seen="$seen$n "
		echo "/sys/kernel/livepatch/$n"
	done
}
# A synthetic script in the form of the kernel's livepatch selftests (written for
# split-script-test.sh, not copied from the kernel): lp_demo patches vmlinux and mod_a.

. $(dirname $0)/functions.sh

MOD_LIVEPATCH=lp_demo
MOD_TARGET=mod_a
MOD_TARGET_OTHER=lp_other

setup_config

start_test "target first"

load_mod $MOD_TARGET
load_lp lp_demo
load_lp lp_demo__mod_a
disable_lp lp_demo__mod_a
disable_lp lp_demo
unload_lp lp_demo__mod_a
unload_lp lp_demo
unload_mod $MOD_TARGET

check_result "% modprobe $MOD_TARGET
% modprobe lp_demo
livepatch: enabling patch 'lp_demo'
livepatch: 'lp_demo': initializing patching transition
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
livepatch: 'lp_demo': starting patching transition
livepatch: 'lp_demo': completing patching transition
livepatch: 'lp_demo': patching complete
% modprobe lp_demo__mod_a
livepatch: enabling patch 'lp_demo__mod_a'
livepatch: 'lp_demo__mod_a': initializing patching transition
$MOD_LIVEPATCH: pre_patch_callback: $MOD_TARGET -> [MODULE_STATE_LIVE] Normal state
livepatch: 'lp_demo__mod_a': starting patching transition
livepatch: 'lp_demo__mod_a': completing patching transition
livepatch: 'lp_demo__mod_a': patching complete
% echo 0 > /sys/kernel/livepatch/lp_demo__mod_a/enabled
livepatch: 'lp_demo__mod_a': initializing unpatching transition
livepatch: 'lp_demo__mod_a': unpatching complete
% echo 0 > /sys/kernel/livepatch/lp_demo/enabled
livepatch: 'lp_demo': initializing unpatching transition
livepatch: 'lp_demo': unpatching complete
% rmmod lp_demo__mod_a
% rmmod lp_demo
% rmmod $MOD_TARGET"

start_test "module notifier, failing module object"

load_lp lp_demo
load_lp lp_demo__mod_a
set_pre_patch_ret lp_demo__mod_a -19
load_failing_mod $MOD_TARGET

check_result "% insmod test_modules/lp_demo.ko
livepatch: enabling patch 'lp_demo'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
% insmod test_modules/lp_demo__mod_a.ko
livepatch: enabling patch 'lp_demo__mod_a'
% echo -19 > /sys/module/lp_demo__mod_a/parameters/pre_patch_ret
% modprobe $MOD_TARGET
livepatch: applying patch 'lp_demo__mod_a' to loading module '$MOD_TARGET'
$MOD_LIVEPATCH: pre_patch_callback: $MOD_TARGET -> [MODULE_STATE_COMING] Full formed, running module_init
livepatch: pre-patch callback failed for object '$MOD_TARGET'
livepatch: patch 'lp_demo__mod_a' failed for module '$MOD_TARGET', refusing to load module '$MOD_TARGET'"

start_test "failing vmlinux object"

load_failing_mod lp_demo pre_patch_ret=-19 other=1

check_result "% modprobe lp_demo pre_patch_ret=-19 other=1
livepatch: enabling patch 'lp_demo'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
livepatch: pre-patch callback failed for object 'vmlinux'
modprobe: ERROR: could not insert 'lp_demo': No such device"

# case 4 not run split: the failing part lp_demo__mod_a is not first in load order: lp_demo would stay loaded (the split is not atomic)
# case 5 not run split: 'load_lp_nowait $MOD_LIVEPATCH': upstream's text has a transition that does not complete; split, only the transition of the part whose function is busy stalls, the parts before it complete and run callbacks upstream's transition withholds, and the kernel enables no part after it while it lasts (-EBUSY, one transition at a time): upstream's text says nothing of either
start_test "loops and a count of livepatches"

for mod in $MOD_TARGET_OTHER lp_demo lp_demo__mod_a; do
	load_lp "$mod"
done

mods=($(klp_split_livepatches))
nmods=${#mods[@]}
if [ "$nmods" -ne 2 ]; then
	die "Expecting two modules listed, found $nmods"
fi

for mod in lp_demo__mod_a lp_demo; do disable_lp "$mod"; done
loop_until 'mods=($(klp_split_livepatches)); nmods=${#mods[@]}; [[ "$nmods" -eq 1 ]]' ||
	die "Expecting one module listed, found $nmods"
for mod in lp_demo__mod_a lp_demo $MOD_TARGET_OTHER; do unload_lp "$mod"; done

check_result "% modprobe $MOD_TARGET_OTHER
% modprobe lp_demo
livepatch: enabling patch 'lp_demo'
$MOD_LIVEPATCH: pre_patch_callback: vmlinux
livepatch: 'lp_demo': patching complete
% modprobe lp_demo__mod_a
livepatch: enabling patch 'lp_demo__mod_a'
livepatch: 'lp_demo__mod_a': patching complete
% echo 0 > /sys/kernel/livepatch/lp_demo__mod_a/enabled
livepatch: 'lp_demo__mod_a': unpatching complete
% echo 0 > /sys/kernel/livepatch/lp_demo/enabled
livepatch: 'lp_demo': unpatching complete
% rmmod lp_demo__mod_a
% rmmod lp_demo
% rmmod $MOD_TARGET_OTHER"

# case 7 not run split: 'for mod in $MOD_LIVEPATCH; do load_lp "$mod"; echo "$mod"; done' loops over lp_demo with a body other than one load_lp/unload_lp/disable_lp of the loop variable: script logic, not expected text
# case 8 not run split: 'grep -q 0 /sys/kernel/livepatch/$MOD_LIVEPATCH/transition' uses lp_demo outside load_lp/load_failing_mod/disable_lp/unload_lp/set_pre_patch_ret: script logic, not expected text
exit 0
