#!/bin/bash
# usage: harness/setup.sh
#
# One-time preparation for the kernel acceptance harness (re-runnable: every
# step that is already done is skipped and says so):
#   1. apt-get install -y --no-install-recommends qemu-system-x86 busybox-static
#      cpio kmod make xz-utils linux-headers-$KVER   (root or sudo; SKIP_APT=1 skips)
#   2. apt-get download linux-image-$KVER into $KLP_SPLIT_CACHE/debs/ and unpack
#      it with dpkg-deb -x into $KLP_SPLIT_CACHE/kernel/$KVER/image/
#      (the package is never installed on this system)
#   3. depmod -b on the unpacked tree (modinfo/modprobe/depmod work on it)
#   4. extract the uncompressed ELF vmlinux from the vmlinuz's XZ payload into
#      $KLP_SPLIT_CACHE/kernel/$KVER/vmlinux (booted directly via PVH by run.sh)
#
# env: KVER            kernel ABI name (default 6.1.0-56-amd64)
#      KLP_SPLIT_CACHE cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/klp-split)
#      SKIP_APT=1      skip step 1 (packages already installed)
set -euo pipefail
KVER=${KVER:-6.1.0-56-amd64}
KLP_SPLIT_CACHE=${KLP_SPLIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-split}
KDIR=/usr/src/linux-headers-$KVER
KROOT=$KLP_SPLIT_CACHE/kernel/$KVER
DEBS=$KLP_SPLIT_CACHE/debs
PKGS=(qemu-system-x86 busybox-static cpio kmod make xz-utils "linux-headers-$KVER")

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
	if ! apt-cache show "linux-headers-$KVER" >/dev/null 2>&1; then
		say "linux-headers-$KVER unknown to apt-cache: apt-get update"
		"${SUDO[@]}" apt-get update
	fi
	say "apt-get install -y --no-install-recommends ${PKGS[*]}"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${PKGS[@]}"
fi
for c in qemu-system-x86_64 cpio depmod modinfo make xz dpkg-deb strip; do
	command -v "$c" >/dev/null || die "'$c' not found in PATH (run without SKIP_APT=1)"
done
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"
[ -d "$KDIR" ] || die "$KDIR missing (package linux-headers-$KVER)"

# ---- 2. kernel image package: download + unpack --------------------------------------
mkdir -p "$DEBS" "$KROOT"
shopt -s nullglob
debs=("$DEBS"/linux-image-"${KVER}"_*.deb)
if [ ${#debs[@]} -eq 0 ]; then
	say "apt-get download linux-image-$KVER -> $DEBS/"
	# as root, apt warns "Download is performed unsandboxed as root": harmless
	(cd "$DEBS" && apt-get download "linux-image-$KVER")
	debs=("$DEBS"/linux-image-"${KVER}"_*.deb)
	[ ${#debs[@]} -gt 0 ] || die "apt-get download left no linux-image-${KVER}_*.deb in $DEBS"
else
	say "already downloaded: ${debs[-1]}"
fi
DEB=${debs[-1]}
if [ -f "$KROOT/image/boot/vmlinuz-$KVER" ]; then
	say "already unpacked: $KROOT/image"
else
	say "dpkg-deb -x $(basename "$DEB") $KROOT/image"
	rm -rf "$KROOT/image.tmp" "$KROOT/image"
	dpkg-deb -x "$DEB" "$KROOT/image.tmp"
	mv "$KROOT/image.tmp" "$KROOT/image"
fi
IMG_VER=$(dpkg-deb -f "$DEB" Version)
HDR_VER=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER" 2>/dev/null || echo none)
[ "$IMG_VER" = "$HDR_VER" ] ||
	say "WARNING: linux-image $IMG_VER but linux-headers $HDR_VER (module CRCs may not match)"

# ---- 3. depmod ------------------------------------------------------------------------
MODDIR=$KROOT/image/lib/modules/$KVER
[ -d "$MODDIR/kernel" ] || die "$MODDIR/kernel missing after unpacking $DEB"
if [ -s "$MODDIR/modules.dep" ]; then
	say "already done: depmod ($MODDIR/modules.dep)"
else
	say "depmod -b $KROOT/image $KVER"
	depmod -b "$KROOT/image" "$KVER"
fi

# ---- 4. uncompressed vmlinux for PVH boot ------------------------------------------------
VMLINUX=$KROOT/vmlinux
if [ -s "$VMLINUX" ]; then
	say "already extracted: $VMLINUX"
else
	VMLINUZ=$KROOT/image/boot/vmlinuz-$KVER
	# CONFIG_KERNEL_XZ=y: the payload is an XZ stream starting with FD 37 7A 58 5A 00
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -1 | cut -d: -f1 || true)
	[ -n "$off" ] || die "no XZ payload in $VMLINUZ"
	say "extracting vmlinux from $VMLINUZ (XZ stream at byte $off) -> $VMLINUX"
	# no pipefail here: tail gets SIGPIPE when xz stops after the first stream
	set +o pipefail
	tail -c +$((off + 1)) "$VMLINUZ" | xz -dc --single-stream > "$VMLINUX.tmp"
	set -o pipefail
	[ "$(head -c 4 "$VMLINUX.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		die "data extracted from $VMLINUZ is not an ELF file"
	mv "$VMLINUX.tmp" "$VMLINUX"
fi

T1=$(date +%s.%N)
say "done in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}') s"
cat <<EOT
  KVER        $KVER (linux-image $IMG_VER, linux-headers $HDR_VER)
  headers     $KDIR
  cache       $KLP_SPLIT_CACHE
  image deb   $DEB
  image tree  $KROOT/image
  modules     $MODDIR ($(grep -c . "$MODDIR/modules.dep") modules)
  vmlinux     $VMLINUX ($(stat -c %s "$VMLINUX") bytes, PVH boot)
EOT
