#!/bin/bash
# usage: scripts/install-deps.sh
#
# Installs the Debian packages klp-split needs to build and test, if any is missing:
# libelf-dev, libdw-dev, libkmod-dev, liblzma-dev, libzstd-dev, zlib1g-dev and libssl-dev (the C libraries), pkg-config (SwiftPM finds them with it),
# binutils and elfutils (readelf/eu-readelf in tests), graphviz (plan --format svg, docs/tutorial.md),
# zsh and fish (the completion scripts are syntax-checked with zsh -n and fish -n), python3-jsonschema
# (scripts/validate-json.py checks the JSON output against docs/schema), and for the signing tests
# (SigningTests): linux-kbuild-6.1 (kbuild's scripts/sign-file, the reference signatures), openssl
# (cms -verify) and kmod (modinfo).
# Runs apt-get update first. Needs root or sudo only when something is missing.
set -euo pipefail
PACKAGES=(libelf-dev libdw-dev libkmod-dev liblzma-dev libzstd-dev zlib1g-dev libssl-dev zstd xz-utils pkg-config binutils elfutils graphviz zsh fish python3-jsonschema linux-kbuild-6.1 openssl kmod)
missing=()
for package in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$package")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "[deps] already installed: ${PACKAGES[*]}"
	exit 0
fi
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
echo "[deps] apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "[deps] apt-get install -y --no-install-recommends ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
