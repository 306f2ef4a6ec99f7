# modprobe-softdep: a load policy in /etc/modprobe.d is only honoured by kmod's
# modprobe. busybox modprobe loads sr_mod without its softdep "loop"; kmod's
# modprobe (from the scenario's tools file) loads loop first. Later scenarios
# test the modprobe.d policies that klp-split writes for split livepatches the
# same way.

section "busybox modprobe ignores softdep"
run 'cat /etc/modprobe.d/harness-softdep.conf'
run modprobe sr_mod
run 'lsmod | grep -c "^loop "'
run 'modprobe -r sr_mod; modprobe -r cdrom; lsmod'

section "kmod modprobe honours softdep"
run /usr/sbin/modprobe --version
run /usr/sbin/modprobe -v sr_mod
run 'lsmod | grep -c "^loop "'
run /usr/sbin/lsmod
