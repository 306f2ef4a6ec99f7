# selftest malformed: a shell syntax error; the runner must refuse the scenario
# before it builds or boots anything
if true; then
	run true
