# selftest guest-hangs: the guest never finishes; with a short KLP_SPLIT_TIMEOUT
# the runner must kill qemu (rc=124) and FAIL the scenario
run 'echo hanging'
sleep 100000
