#!/bin/sh
# Installs the Debian packages trustline needs.
#   scripts/deps.sh [--ensure] [SET]
# SET: build (make, make demo), check (make check and the benchmarks), deb
# (make deb and make deb-check), web (make check-web: a headless browser)
# or all (default: everything, with clang for
# make fuzz). Without root it says
# what to run. --ensure is silent when everything is there.
set -eu

ensure=
[ "${1:-}" = --ensure ] && { ensure=1; shift; }
set_=${1:-all}

# dpkg-dev to autoconf: scripts/wolfssl.sh, building Debian's wolfSSL source
BUILD="build-essential pkg-config libwolfssl-dev libxml2-dev libevent-dev
libsqlite3-dev libpq-dev libinih-dev zlib1g-dev libcurl4-openssl-dev libsystemd-dev libjansson-dev openssl curl tftp-hpa
dpkg-dev autoconf automake libtool"
CHECK="$BUILD check postgresql libxml2-utils xxd python3 python3-cryptography python3-aiosmtpd strace man-db systemd sqlite3 bc"
# debhelper and the package's Build-Depends (check)
DEB="$BUILD debhelper check"
# make check-web: chromium headless, driven by Debian's selenium
WEB="$BUILD curl openssl python3 chromium chromium-driver python3-selenium"
ALL="$CHECK $WEB debhelper clang libclang-rt-dev"
case $set_ in
build) PKGS=$BUILD ;;
check) PKGS=$CHECK ;;
deb) PKGS=$DEB ;;
web) PKGS=$WEB ;;
all) PKGS=$ALL ;;
*) echo "deps: unknown set \"$set_\": build, check, deb, web or all" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ -n "$ensure" ] || echo "deps: all packages are installed"
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
