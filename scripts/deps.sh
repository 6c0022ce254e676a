#!/bin/sh
# Installs the Debian packages trustline needs to build and test.
#   scripts/deps.sh           install what is missing (as root), or say what to run
#   scripts/deps.sh --ensure  the same, silent when everything is there
set -eu

PKGS="build-essential pkg-config libwolfssl-dev libxml2-dev libxml2-utils libevent-dev
libsqlite3-dev libinih-dev zlib1g-dev check clang libclang-rt-dev openssl xxd python3
tftp-hpa curl libcurl4-openssl-dev python3-cryptography strace man-db systemd"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--ensure" ] || echo "deps: all packages are installed"
	exit 0
fi

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
echo "deps: installed$missing"
