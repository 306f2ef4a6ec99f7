#!/bin/bash
# usage: harness/setup.sh
#
# One-time preparation for the kernel acceptance harness, for every kernel it
# proves (harness/lib/kernels.sh; re-runnable: every step that is already done is
# skipped and says so):
#   1. apt-get install -y --no-install-recommends qemu-system-x86 busybox-static
#      cpio kmod make xz-utils zstd linux-headers-$KVER...  (one call for all
#      kernels; root or sudo; SKIP_APT=1 skips)
#   then for each kernel:
#   2. apt-get download linux-image-$KVER into $KLP_SPLIT_CACHE/debs/ and unpack
#      it with dpkg-deb -x into $KLP_SPLIT_CACHE/kernel/$KVER/image/
#      (the package is never installed on this system)
#   3. depmod -b on the unpacked tree (modinfo/modprobe/depmod work on it)
#   4. extract the uncompressed ELF vmlinux from the vmlinuz's payload (XZ for 6.1,
#      zstd for 6.12; found through the boot protocol header) into
#      $KLP_SPLIT_CACHE/kernel/$KVER/vmlinux (booted directly via PVH by run.sh)
#   5. apt-get download linux-source-<series> of the linux-image's version into
#      $KLP_SPLIT_CACHE/debs/ and extract ONLY the kernel's livepatch samples and
#      selftests from its tarball into $KLP_SPLIT_CACHE/kernel/$KVER/livepatch-src/
#      (samples/livepatch/, lib/livepatch/ (6.1) or
#      tools/testing/selftests/livepatch/test_modules/ (6.12), and the selftest
#      scripts tools/testing/selftests/livepatch/*.sh): harness/selftests/ builds
#      and runs them (issue 20); nothing of it goes into the repository
#
# env: KLP_SPLIT_KERNELS  kernel ABI names, space-separated (default: every kernel
#                         of harness/lib/kernels.sh: 6.1.0-56-amd64 6.12.118+deb12-amd64)
#      KVER               one kernel, when KLP_SPLIT_KERNELS is unset
#      KLP_SPLIT_CACHE    cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/klp-split)
#      SKIP_APT=1         skip step 1 (packages already installed)
set -euo pipefail
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/kernels.sh
. "$HARNESS/lib/kernels.sh"
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
DEBS=$KLP_SPLIT_CACHE/debs
mapfile -t KERNELS < <(kernels_selected)
[ ${#KERNELS[@]} -gt 0 ] || { echo "harness/setup.sh: error: KLP_SPLIT_KERNELS is empty" >&2; exit 64; }
PKGS=(qemu-system-x86 busybox-static cpio kmod make xz-utils zstd)
for k in "${KERNELS[@]}"; do PKGS+=("linux-headers-$k"); done

say() { printf '[setup] %s\n' "$*"; }
die() { printf 'harness/setup.sh: error: %s\n' "$*" >&2; exit 1; }
T0=$(date +%s.%N)

# ---- 1. packages ------------------------------------------------------------------
if [ "${SKIP_APT:-0}" = 1 ]; then
	say "SKIP_APT=1: not installing packages"
else
	SUDO=()
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || die "not root and no sudo: cannot apt-get install (set SKIP_APT=1 if ${PKGS[*]} are installed)"
		SUDO=(sudo)
	fi
	for k in "${KERNELS[@]}"; do
		if ! apt-cache show "linux-headers-$k" >/dev/null 2>&1; then
			say "linux-headers-$k unknown to apt-cache: apt-get update"
			"${SUDO[@]}" apt-get update
			break
		fi
	done
	say "apt-get install -y --no-install-recommends ${PKGS[*]}"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${PKGS[@]}"
fi
for c in qemu-system-x86_64 cpio depmod modinfo make xz zstd dpkg-deb strip od; do
	command -v "$c" >/dev/null || die "'$c' not found in PATH (run without SKIP_APT=1)"
done
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"

# le32 FILE OFFSET: the little-endian 32-bit word at OFFSET; u8 FILE OFFSET: the byte
le32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' '; }
u8() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' '; }

# extract_vmlinux VMLINUZ OUT: the payload of a bzImage (boot protocol >= 2.08:
# setup_sects at 0x1f1, payload_offset at 0x248, payload_length at 0x24c), by its
# magic: XZ (FD 37 7A 58 5A 00; CONFIG_KERNEL_XZ, 6.1) or zstd (28 B5 2F FD;
# CONFIG_KERNEL_ZSTD, 6.12); the kernel appends the 4-byte uncompressed size
extract_vmlinux() {
	local z=$1 out=$2 setup off len magic kind
	[ "$(od -An -c -j 514 -N 4 "$z" | tr -d ' ')" = HdrS ] || die "$z is not a bzImage (no 'HdrS' at 0x202)"
	setup=$(u8 "$z" $((0x1f1)))
	off=$(( (setup + 1) * 512 + $(le32 "$z" $((0x248))) ))
	len=$(le32 "$z" $((0x24c)))
	magic=$(od -An -tx1 -j "$off" -N 6 "$z" | tr -d ' ')
	case $magic in
	fd377a585a00) kind=xz ;;
	28b52ffd*) kind=zstd ;;
	*) die "$z: payload at byte $off starts with $magic, neither XZ (fd377a585a00) nor zstd (28b52ffd)" ;;
	esac
	say "extracting vmlinux from $z ($kind payload at byte $off, $len bytes) -> $out"
	# no pipefail here: tail gets SIGPIPE when the decompressor stops early
	set +o pipefail
	case $kind in
	xz) tail -c +$((off + 1)) "$z" | head -c "$len" | xz -dc --single-stream > "$out.tmp" ;;
	zstd) tail -c +$((off + 1)) "$z" | head -c $((len - 4)) | zstd -qdc > "$out.tmp" ;;
	esac
	set -o pipefail
	[ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		die "data extracted from $z is not an ELF file"
	mv "$out.tmp" "$out"
}

# setup_livepatch_sources KVER VERSION: step 5 (linux-source-<series> VERSION, the linux-image's)
setup_livepatch_sources() {
	local kver=$1 version=$2 series src debs tarball
	series=$(kernel_series "$kver")
	src=$KLP_SPLIT_CACHE/kernel/$kver/livepatch-src
	if [ -f "$src/tools/testing/selftests/livepatch/functions.sh" ]; then
		say "already extracted: $src"
		return
	fi
	# the exact file apt-get download writes (an epoch's ':' becomes %3a); a plain name, not a
	# glob, so test that it exists (nullglob does not drop a word without wildcards)
	debs=("$DEBS"/linux-source-"${series}"_"${version/:/%3a}"_all.deb)
	if [ ! -f "${debs[0]}" ]; then
		shopt -s nullglob
		say "apt-get download linux-source-$series=$version -> $DEBS/"
		(cd "$DEBS" && apt-get download "linux-source-$series=$version")
		debs=("$DEBS"/linux-source-"${series}"_*_all.deb)
		[ ${#debs[@]} -gt 0 ] || die "apt-get download left no linux-source-${series}_*.deb in $DEBS"
	else
		say "already downloaded: ${debs[-1]}"
	fi
	tarball=./usr/src/linux-source-$series.tar.xz
	say "extracting the livepatch samples, test modules and selftest scripts of ${debs[-1]##*/} -> $src"
	rm -rf "$src.tmp" "$src"
	mkdir -p "$src.tmp"
	# tar exits non-zero for a pattern that matches nothing (lib/livepatch is gone in 6.12)
	dpkg-deb --fsys-tarfile "${debs[-1]}" | tar -xO "$tarball" | xz -dc |
		tar -x -C "$src.tmp" --strip-components=1 --wildcards \
			"linux-source-$series/samples/livepatch/*" \
			"linux-source-$series/lib/livepatch/*" \
			"linux-source-$series/tools/testing/selftests/livepatch/*" 2>/dev/null || true
	[ -f "$src.tmp/tools/testing/selftests/livepatch/functions.sh" ] && [ -d "$src.tmp/samples/livepatch" ] ||
		die "linux-source-$series $version: no samples/livepatch or tools/testing/selftests/livepatch/functions.sh in $tarball"
	mv "$src.tmp" "$src"
}

# setup_kernel KVER: steps 2-5 for one kernel; appends to SUMMARY
SUMMARY=''
setup_kernel() {
	local kver=$1 kroot=$KLP_SPLIT_CACHE/kernel/$1 kdir=/usr/src/linux-headers-$1 debs deb img_ver hdr_ver moddir
	say "== $kver"
	[ -d "$kdir" ] || die "$kdir missing (package linux-headers-$kver)"
	mkdir -p "$DEBS" "$kroot"
	shopt -s nullglob
	debs=("$DEBS"/linux-image-"${kver}"_*.deb)
	if [ ${#debs[@]} -eq 0 ]; then
		say "apt-get download linux-image-$kver -> $DEBS/"
		# as root, apt warns "Download is performed unsandboxed as root": harmless
		(cd "$DEBS" && apt-get download "linux-image-$kver")
		debs=("$DEBS"/linux-image-"${kver}"_*.deb)
		[ ${#debs[@]} -gt 0 ] || die "apt-get download left no linux-image-${kver}_*.deb in $DEBS"
	else
		say "already downloaded: ${debs[-1]}"
	fi
	deb=${debs[-1]}
	if [ -f "$kroot/image/boot/vmlinuz-$kver" ]; then
		say "already unpacked: $kroot/image"
	else
		say "dpkg-deb -x $(basename "$deb") $kroot/image"
		rm -rf "$kroot/image.tmp" "$kroot/image"
		dpkg-deb -x "$deb" "$kroot/image.tmp"
		mv "$kroot/image.tmp" "$kroot/image"
	fi
	img_ver=$(dpkg-deb -f "$deb" Version)
	hdr_ver=$(dpkg-query -W -f '${Version}' "linux-headers-$kver" 2>/dev/null || echo none)
	[ "$img_ver" = "$hdr_ver" ] ||
		say "WARNING: linux-image $img_ver but linux-headers $hdr_ver (module CRCs may not match)"

	# ---- 3. depmod (indexes .ko and .ko.xz alike) ----
	moddir=$kroot/image/lib/modules/$kver
	[ -d "$moddir/kernel" ] || die "$moddir/kernel missing after unpacking $deb"
	if [ -s "$moddir/modules.dep" ]; then
		say "already done: depmod ($moddir/modules.dep)"
	else
		say "depmod -b $kroot/image $kver"
		depmod -b "$kroot/image" "$kver"
	fi

	# ---- 4. uncompressed vmlinux for PVH boot ----
	if [ -s "$kroot/vmlinux" ]; then
		say "already extracted: $kroot/vmlinux"
	else
		extract_vmlinux "$kroot/image/boot/vmlinuz-$kver" "$kroot/vmlinux"
	fi
	# ---- 5. the kernel's livepatch samples and selftests ----
	setup_livepatch_sources "$kver" "$img_ver"

	SUMMARY+="  KVER        $kver (linux-image $img_ver, linux-headers $hdr_ver)
  headers     $kdir
  image deb   $deb
  image tree  $kroot/image
  modules     $moddir ($(grep -c . "$moddir/modules.dep") modules)
  vmlinux     $kroot/vmlinux ($(stat -c %s "$kroot/vmlinux") bytes, PVH boot)
  livepatch   $kroot/livepatch-src ($(find "$kroot/livepatch-src" -type f | wc -l) files of linux-source-$(kernel_series "$kver") $img_ver)
"
}
for k in "${KERNELS[@]}"; do setup_kernel "$k"; done

T1=$(date +%s.%N)
say "done in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}') s (${#KERNELS[@]} kernels)"
echo "  cache       $KLP_SPLIT_CACHE"
printf '%s' "$SUMMARY"
