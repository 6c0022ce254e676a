#!/bin/sh
# wolfSSL built for speed, from Debian's own source package of the installed
# libwolfssl-dev (so Debian's security patches come with it), once, into
# .cache/wolfssl-VERSION-HASH/ (HASH: of the configure flags).
#   scripts/wolfssl.sh           build it unless it is there
#   scripts/wolfssl.sh --prefix  print where it is (or will be), build nothing
# The source is fetched with a private apt configuration under .cache/:
# /etc/apt is only read, for the mirrors of this Debian release.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/.cache

VERSION=$(dpkg-query -W -f='${Version}' libwolfssl-dev 2>/dev/null) || VERSION=
# What debian/rules passes, then the speed: SP math with its x86-64
# assembly (RSA up to 4096 bits), the Intel AES-NI/AVX paths. The assembly
# checks the CPU at run time (wolfcrypt/src/cpuid.c), so the binaries still
# run on any x86-64.
DEBIAN_FLAGS="--enable-distro --enable-pkcs11 --disable-examples --disable-silent-rules"
FLAGS="$DEBIAN_FLAGS --enable-sp=yes,4096 --enable-sp-asm --enable-intelasm --enable-aesni
--enable-static --disable-shared --with-pic"
HASH=$(echo "$VERSION $FLAGS" | sha256sum | cut -c1-8)
PREFIX=$CACHE/wolfssl-$(echo "$VERSION" | tr '+:~' '___')-$HASH

if [ "${1:-}" = --prefix ]; then
	echo "$PREFIX"
	exit 0
fi

[ -n "$VERSION" ] || {
	echo "wolfssl: libwolfssl-dev is not installed (scripts/deps.sh build)" >&2
	exit 1
}
mkdir -p "$CACHE"
# two makes at once (make check beside make check SANITIZE=1) build it once
exec 9>"$CACHE/wolfssl.lock"
flock 9
[ -f "$PREFIX/.built" ] && exit 0

# deb-src entries for the suites of this release that /etc/apt lists
# (bookworm, bookworm-updates, bookworm-security), one-line or deb822
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")
APT=$CACHE/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^deb[ \t]/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no")
					for (i = 1; i <= split(suites, s, " "); i++)
						print "deb-src" (key ? " [signed-by=" key "]" : "") " " uris " " s[i] " " comps
				types = uris = suites = comps = key = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ v = $0; sub(/^[^:]*:[ \t]*/, "", v) }
			/^Types:/ { types = v } /^URIs:/ { uris = v } /^Suites:/ { suites = v }
			/^Components:/ { comps = v } /^Signed-By:/ { key = v } /^Enabled:/ { enabled = v }
			END { flush() }' "$f"
	done
} | awk -v rel="$CODENAME" '$0 ~ (" " rel "(-[a-z]+)? ")' > "$APT/sources.list"
[ -s "$APT/sources.list" ] || {
	echo "wolfssl: no $CODENAME entry in /etc/apt/sources.list*" >&2
	exit 1
}
set -- -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache"

WORK=$CACHE/wolfssl-work
LOG=$CACHE/wolfssl-build.log
rm -rf "$WORK" "$PREFIX"
mkdir -p "$WORK"
: > "$LOG"
fail() {
	echo "wolfssl: $1 failed; the end of $LOG:" >&2
	tail -n 30 "$LOG" >&2
	exit 1
}
start=$(date +%s)
echo "wolfssl: fetching Debian's source of wolfssl $VERSION"
apt-get "$@" update >> "$LOG" 2>&1 || fail "apt-get update"
(cd "$WORK" && apt-get "$@" source "wolfssl=$VERSION") >> "$LOG" 2>&1 || fail "apt-get source"
SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'wolfssl-*')

# Debian changing its flags in a later upload would otherwise go unnoticed
rules=$(sed -n '/dh_auto_configure --/,/^[^\t]/p' "$SRC/debian/rules" |
	grep -o -- '--[a-z][a-z0-9=,-]*' | sort | tr '\n' ' ')
ours=$(printf '%s\n' $DEBIAN_FLAGS | sort | tr '\n' ' ')
[ "$rules" = "$ours" ] || {
	echo "wolfssl: debian/rules configures with $rules; this script with $ours" >&2
	exit 1
}

echo "wolfssl: configuring with" $FLAGS
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
(cd "$SRC" && ./autogen.sh && ./configure --prefix="$PREFIX" --disable-dependency-tracking \
	CFLAGS="$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" \
	$FLAGS) >> "$LOG" 2>&1 || fail configure
echo "wolfssl: compiling (minutes; the log is $LOG)"
(cd "$SRC" && make -j"$(nproc)" && make install) >> "$LOG" 2>&1 || fail make
# as debian/libwolfssl-dev.install does: make install leaves options.h out
cp "$SRC/wolfssl/options.h" "$PREFIX/include/wolfssl/"
# --enable-distro builds the shared library whatever --disable-shared says;
# without it -lwolfssl is the static one
rm -f "$PREFIX"/lib/libwolfssl.so* "$PREFIX"/lib/libwolfssl.la
rm -rf "$WORK"
touch "$PREFIX/.built"
echo "wolfssl: built in $(($(date +%s) - start)) s into $PREFIX"
