#!/bin/sh
# /init of every harness initramfs (installed by harness/run.sh): prepares the
# guest, runs the scenario's steps (/scenario/guest.sh, sourced into this shell
# so it can use the helpers of /lib/harness/guest.sh), then powers off.
. /lib/harness/guest.sh
mount_basics
banner
dmesg_skip
. /scenario/guest.sh
finish
