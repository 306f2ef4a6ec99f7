#!/bin/bash
# usage: mkinitramfs.sh OUT.cpio INIT_SCRIPT [FILE_OR_MODULE ...]
#
# ppc64le variant of ../mkinitramfs.sh: uncompressed newc initramfs with the static
# ppc64el busybox from build.sh (+ applet links in /bin), INIT_SCRIPT as /init and
# harness/lib/guest.sh as /lib/harness/guest.sh (the x86 harness's guest helpers) and the
# init script's name in /etc/harness/scenario.  Extra arguments:
#   a path (contains '/' or names an existing file) -> copied to /lp/
#   a bare module name (vfat, livepatch-sample, ...) -> taken with its dependencies
#       (modinfo -F depends) from $PPC/modroot (build.sh's modules_install), installed
#       under /lib/modules/$KVER/ and indexed with depmod, so busybox modprobe works.
# The ppc64el busybox cannot run on the host: the applet list comes from the host's
# busybox-static (same Debian source version; HOST_BUSYBOX overrides).
# Needs no root: no device nodes in the image; /init mounts devtmpfs.
#
# env: KLAB_CACHE (see build.sh)   HOST_BUSYBOX (/bin/busybox)
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
KLAB_CACHE=${KLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klp-kernel-lab}
PPC=$KLAB_CACHE/ppc64le
BUSYBOX=$PPC/busybox/bin/busybox
HOST_BUSYBOX=${HOST_BUSYBOX:-/bin/busybox}
KVER=$(cat "$PPC/build/include/config/kernel.release")
IMAGE=$PPC/modroot
MODDIR=$IMAGE/lib/modules/$KVER
COMMON=$LAB/../lib/guest.sh

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || { sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2; }
OUT=$1
INIT=$2
shift 2
[ -f "$INIT" ] || die "init script '$INIT' not found"
[ -f "$BUSYBOX" ] || die "$BUSYBOX not found (run build.sh)"
[ -x "$HOST_BUSYBOX" ] || die "$HOST_BUSYBOX not found (apt-get install busybox-static)"
[ -f "$COMMON" ] || die "$COMMON not found"

mkdir -p "$(dirname "$OUT")"
R=$(mktemp -d "$(dirname "$OUT")/.initramfs.XXXXXX")
trap 'rm -rf "$R"' EXIT

mkdir -p "$R"/{bin,dev,proc,sys,run,mnt,lp,tmp,lib/harness,etc/harness}
ln -s bin "$R/sbin"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$HOST_BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
install -m 755 "$INIT" "$R/init"
install -m 644 "$COMMON" "$R/lib/harness/guest.sh"
basename "$INIT" .sh > "$R/etc/harness/scenario"

declare -A SEEN=()
MODS=()
add_module() {
	local name=${1//-/_} f dep
	[ -z "${SEEN[$name]:-}" ] || return 0
	SEEN[$name]=1
	f=$(modinfo -b "$IMAGE" -k "$KVER" -F filename "$name" 2>/dev/null) ||
		die "module '$name' not found in $MODDIR"
	f=${f%%$'\n'*}
	if [ "$f" = "(builtin)" ]; then echo "  $name: built into the kernel"; return 0; fi
	install -D -m 644 "$f" "$R/lib/modules/$KVER/${f#"$MODDIR"/}"
	MODS+=("${f#"$MODDIR"/}")
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do add_module "$dep"; done
}
for arg in "$@"; do
	if [[ $arg == */* ]] || [ -f "$arg" ]; then
		[ -f "$arg" ] || die "file '$arg' not found"
		cp "$arg" "$R/lp/"
	else
		[ -s "$MODDIR/modules.dep" ] || die "no module tree in $MODDIR (run build.sh)"
		add_module "${arg%.ko}"
	fi
done
mkdir -p "$R/lib/modules/$KVER"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ ! -f "$MODDIR/$f" ] || cp "$MODDIR/$f" "$R/lib/modules/$KVER/"
done
depmod -b "$R" "$KVER"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes, init=$(basename "$INIT")"
(cd "$R/lp" && for f in *; do [ -e "$f" ] && echo "  /lp/$f"; done) || true
for m in "${MODS[@]}"; do echo "  /lib/modules/$KVER/$m"; done
