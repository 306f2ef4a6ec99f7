# selftest from-klp-split-out: found through KLP_SPLIT_SCENARIOS, loads a module
# from $KLP_SPLIT_OUT (harness/selftest.sh copies livepatch_cmdline.ko there)
run insmod /lp/livepatch_cmdline.ko
wait_transition livepatch_cmdline
run 'cat /proc/cmdline'
run 'modprobe -n -v livepatch_cmdline; ls /lib/modules/$(uname -r)/extra'
