# Shared settings for Tessera's scripts. Sourced, not run.
TESSERA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_CACHE=${TESSERA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera}
TESSERA_BUILD=${TESSERA_BUILD:-$TESSERA_ROOT/build}
mkdir -p "$TESSERA_CACHE"
export TESSERA_ROOT TESSERA_CACHE TESSERA_BUILD

say() { printf '%s: %s\n' "${0##*/}" "$*"; }
fail() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

fetch_deb() {  # fetch_deb PACKAGE:ARCH DESTDIR -> unpacks the package's current version once
    local pkg=$1 dest=$2 ver stamp
    local ver; ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [ -n "$ver" ] && [ "$ver" != "(none)" ] || fail "package $pkg is not known to apt (run apt-get update?)"
    stamp="$dest/.stamp-${pkg%%:*}-$ver"
    [ -e "$stamp" ] && return 0
    say "downloading $pkg $ver"
    local tmp; tmp=$(mktemp -d "$TESSERA_CACHE/dl.XXXXXX")
    (cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) || { rm -rf "$tmp"; fail "could not download package $pkg"; }
    mkdir -p "$dest"
    dpkg -x "$tmp"/*.deb "$dest" || { rm -rf "$tmp"; fail "could not unpack package $pkg"; }
    rm -rf "$tmp"
    touch "$stamp"
}

