# split-provenance (issue 17, "one build per set" and "the right target"): the load policy of
# build v1 of lp_prov keeps out a provmod part of build v2 (left in extra/ like a stale part in
# updates/) and skips its part when the running provmod is another build (B) than the one the part
# was made for (A). Each time the reason is in the kernel log and provmod itself loads. With this
# build's part and provmod A, modprobe provmod brings the part and provmod is patched.
# Files are swapped at the paths modules.dep already names, so no depmod is needed.
EXTRA=/lib/modules/$(uname -r)/extra

section "what the policy and the parts record"
run 'grep -E "^# (klp_patch_digest|provmod):" /etc/modprobe.d/lp_prov.conf'
run '/sbin/modinfo -F klp_patch_digest /lp/lp_prov.ko'
run '/sbin/modinfo -F klp_patch_digest /stale/lp_prov__provmod.ko'
run '/sbin/modinfo -F klp_target_build_id /lp/lp_prov__provmod.ko'
run "cp $EXTRA/lp_prov__provmod.ko /tmp/this-build-part.ko"
run "cp $EXTRA/provmod.ko /tmp/provmod-a.ko"

section "the main part of build v1"
run /sbin/modprobe lp_prov
wait_transition lp_prov
run 'cat /proc/cmdline'
run 'tail -c 32 /sys/module/lp_prov/notes/.note.klp-split | od -An -v -tx1 | tr -dc 0-9a-f; echo'
dmesg_new

section "a stale part of build v2 in extra/: modprobe provmod loads provmod, the policy keeps the part out"
run "cp /stale/lp_prov__provmod.ko $EXTRA/lp_prov__provmod.ko"
run /sbin/modprobe provmod
echo "prov-check: stale part: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
run 'cat /proc/provmod'
dmesg_new
run /sbin/modprobe -r provmod

section "this build's part, provmod build B: the part is skipped, provmod B loads"
run "cp /tmp/this-build-part.ko $EXTRA/lp_prov__provmod.ko"
run "cp /other/provmod.ko $EXTRA/provmod.ko"
run /sbin/modprobe provmod
echo "prov-check: provmod B: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
run 'cat /proc/provmod'
run 'tail -c 20 /sys/module/provmod/notes/.note.gnu.build-id | od -An -v -tx1 | tr -dc 0-9a-f; echo'
dmesg_new
run /sbin/modprobe -r provmod

section "this build's part, provmod build A: modprobe provmod brings the part, provmod is patched"
run "cp /tmp/provmod-a.ko $EXTRA/provmod.ko"
run /sbin/modprobe provmod
wait_transition lp_prov__provmod
echo "prov-check: provmod A: livepatches [$(ls /sys/kernel/livepatch | tr '\n' ' ')]"
run 'cat /proc/provmod'
echo "prov-check: provmod holders: [$(ls /sys/module/provmod/holders | tr '\n' ' ')]"
dmesg_new
