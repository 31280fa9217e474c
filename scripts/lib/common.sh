# Shared settings for Tessera's scripts. Sourced, not run.
TESSERA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_CACHE=${TESSERA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera}
TESSERA_BUILD=${TESSERA_BUILD:-$TESSERA_ROOT/build}
mkdir -p "$TESSERA_CACHE"
export TESSERA_ROOT TESSERA_CACHE TESSERA_BUILD
