#!/bin/bash
# usage: build-kernel.sh (the kernel-lab ppc64le build.sh, /work/shared/kernel-lab/ppc64le)
#
# Builds a small ppc64le (pseries) kernel with CONFIG_LIVEPATCH=y from Debian's
# linux-source-6.12, plus its in-tree modules (fat, msdos, vfat, samples/livepatch/*),
# and fetches a static ppc64el busybox.  Nothing is installed system-wide except the
# host packages below (SKIP_APT=1 skips apt-get install).  Re-runs are incremental.
#
# Result ($PPC = $KLAB_CACHE/ppc64le):
#   $PPC/build/vmlinux                     kernel booted by boot.sh
#   $PPC/build                             kbuild output tree (make -C $PPC/build M=... modules)
#   $PPC/modroot/lib/modules/$KVER/        modules_install output (used by mkinitramfs.sh)
#   $PPC/busybox/bin/busybox               static ppc64el busybox (from busybox-static:ppc64el)
#
# env: KLAB_CACHE    (${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab)
#      LINUX_TARBALL linux-source-6.12.tar.xz to use; default: apt-get download
#                    linux-source-6.12 into the cache and unpack it there
#      JOBS          make -j (nproc)          SKIP_APT=1  skip the apt-get install step
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KLAB_CACHE=${KLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab}
PPC=$KLAB_CACHE/ppc64le
JOBS=${JOBS:-$(nproc)}
SRC=$PPC/linux-source-6.12
BUILD=$PPC/build
MK=(make -C "$SRC" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- O="$BUILD")
mkdir -p "$PPC/debs"
t0=$(date +%s)
step() { echo "[build] $(( $(date +%s) - t0 ))s: $*" >&2; }

if [ -z "${SKIP_APT:-}" ]; then
	step "apt-get install host packages"
	apt-get install -y --no-install-recommends gcc-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu \
		qemu-system-ppc make flex bison bc libelf-dev libssl-dev cpio kmod xz-utils \
		busybox-static python3 >/dev/null
fi

# ---- static ppc64el busybox: private apt lists, no dpkg --add-architecture ---------
if [ ! -x "$PPC/busybox/bin/busybox" ]; then
	step "download busybox-static:ppc64el"
	A=(-o APT::Architectures::=ppc64el -o Dir::State::Lists="$PPC/apt/lists"
	   -o Dir::Cache="$PPC/apt/cache" -o Dir::State::status=/dev/null)
	mkdir -p "$PPC/apt/lists/partial" "$PPC/apt/cache/archives/partial"
	apt-get "${A[@]}" update >/dev/null
	(cd "$PPC/debs" && apt-get "${A[@]}" download busybox-static:ppc64el)
	rm -rf "$PPC/busybox"
	dpkg-deb -x "$(ls "$PPC"/debs/busybox-static_*_ppc64el.deb | tail -1)" "$PPC/busybox"
fi

# ---- kernel source ----------------------------------------------------------------
if [ ! -f "$SRC/Makefile" ]; then
	if [ -z "${LINUX_TARBALL:-}" ]; then
		step "download linux-source-6.12"
		(cd "$PPC/debs" && apt-get download linux-source-6.12)
		rm -rf "$PPC/linux-source-deb"
		dpkg-deb -x "$(ls "$PPC"/debs/linux-source-6.12_*.deb | tail -1)" "$PPC/linux-source-deb"
		LINUX_TARBALL=$PPC/linux-source-deb/usr/src/linux-source-6.12.tar.xz
	fi
	step "unpack $LINUX_TARBALL"
	tar -C "$PPC" -xf "$LINUX_TARBALL"
	rm -rf "$PPC/linux-source-deb"
fi

# ---- config: allnoconfig + fragment, then check every fragment line stuck ----------
mkdir -p "$BUILD"
if [ ! -f "$BUILD/.config" ] || [ "$HERE/ppc64le-livepatch.config" -nt "$BUILD/.config" ]; then
	step "allnoconfig + ppc64le-livepatch.config"
	"${MK[@]}" -s KCONFIG_ALLCONFIG="$HERE/ppc64le-livepatch.config" allnoconfig
fi
bad=0
while IFS='=' read -r k v; do
	case $v in n) want="# $k is not set" ;; *) want="$k=$v" ;; esac
	grep -qxF "$want" "$BUILD/.config" || { echo "config: wanted '$want'" >&2; bad=1; }
done < <(grep '^CONFIG_' "$HERE/ppc64le-livepatch.config")
[ $bad = 0 ] || { echo "build.sh: fragment not fully applied" >&2; exit 1; }

# ---- build --------------------------------------------------------------------------
step "make -j$JOBS vmlinux modules"
"${MK[@]}" -j"$JOBS" vmlinux modules
rm -rf "$PPC/modroot"
"${MK[@]}" -s INSTALL_MOD_PATH="$PPC/modroot" modules_install
KVER=$(cat "$BUILD/include/config/kernel.release")
step "done: KVER=$KVER"
ls -l "$BUILD/vmlinux"
find "$PPC/modroot/lib/modules/$KVER" -name '*.ko' -printf '  %P\n' | sort
