# shellcheck shell=bash
# harness/lib/kernels.sh - which Debian kernels the harness proves, and where each
# kernel's fixtures live (sourced by harness/setup.sh, harness/run.sh,
# scripts/test.sh, Fixtures/build.sh and Fixtures/world.sh; bash).
#
#   6.1.0-56-amd64          Debian 12 (bookworm), package 6.1.192-2: .ko modules,
#                           XZ vmlinuz payload; the fixtures without a suffix
#   6.12.118+deb12-amd64    6.12 LTS from bookworm-security, package
#                           6.12.118-1~deb12u1: signed .ko.xz modules, zstd payload;
#                           the fixtures with the suffix -6.12
#
# KLP_SPLIT_KERNELS (space-separated ABI names) selects the kernels; when it is
# unset, KVER (one kernel) does; when both are unset, every kernel above.

KLP_SPLIT_DEFAULT_KERNELS="6.1.0-56-amd64 6.12.118+deb12-amd64"
# the kernel whose fixtures have no suffix (Fixtures/modules, Fixtures/world)
KLP_SPLIT_FIRST_KERNEL=6.1.0-56-amd64

# kernels_selected: prints the selected kernels, one per line
kernels_selected() {
	local list=${KLP_SPLIT_KERNELS:-${KVER:-$KLP_SPLIT_DEFAULT_KERNELS}} k
	for k in $list; do printf '%s\n' "$k"; done
}

# kernel_series KVER: "6.1" for 6.1.0-56-amd64, "6.12" for 6.12.118+deb12-amd64
kernel_series() {
	[[ $1 =~ ^([0-9]+)\.([0-9]+)[.+-] ]] || { echo "kernel ABI name '$1' does not start with MAJOR.MINOR" >&2; return 1; }
	printf '%s.%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
}

# kernel_fixture_suffix KVER: "" for the first kernel, "-<series>" for the others
# (Fixtures/modules-6.12, Fixtures/world-6.12)
kernel_fixture_suffix() {
	local s
	[ "$1" != "$KLP_SPLIT_FIRST_KERNEL" ] || return 0
	s=$(kernel_series "$1") || return 1
	printf -- '-%s' "$s"
}
