#!/bin/bash
# usage: scripts/quickstart.sh [plan options...]
#
# Installs what is missing (scripts/install-deps.sh), builds klp-split, and runs
# 'klp-split plan' on the shipped cdrom example (Fixtures/modules/lp_cdrom.ko) against the
# shipped Debian 6.1.0-56-amd64 kernel world (Fixtures/world). Extra arguments go to plan,
# e.g. --format json. Try Fixtures/modules/lp_multi.ko for a plan with problems (exit 2).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
scripts/install-deps.sh
echo "[quickstart] swift build"
swift build 2>&1 | tail -n 1
echo "[quickstart] klp-split plan Fixtures/modules/lp_cdrom.ko -b Fixtures/world $*"
exec "$(swift build --show-bin-path)/klp-split" plan Fixtures/modules/lp_cdrom.ko -b Fixtures/world "$@"
