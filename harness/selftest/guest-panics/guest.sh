# selftest guest-panics: /init exits before "finish", so the kernel panics
# ("Attempted to kill init!") and qemu exits at once (panic=-1 -no-reboot) with
# status 0. The runner must still FAIL it: no "### harness: done" line, and a
# "Kernel panic" line in the console log.
run 'echo about to exit'
tty_drain 0
exit 1
