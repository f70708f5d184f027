#!/usr/bin/env bash
# Build llama.cpp's real `llama-server` (CPU only) from the llama.cpp tree that ships inside the
# llama-cpp-python source distribution on PyPI, and cache the binary outside the repository.
#
#   tests/e2e/build_llama_server.sh            prints the path of the cached binary (builds it once)
#
# Environment:
#   PICKRT_E2E_CACHE   cache folder (default ~/.cache/pickrt-e2e)
#   PYTHON             python with pip, used for `pip download` (default python3)
#   JOBS               parallel compile jobs (default: nproc)
#
# The binary is statically linked against llama/ggml (BUILD_SHARED_LIBS=OFF) so that it runs from
# the cache on its own. A first build takes 10-20 minutes on 2 cores (19 min measured on a busy machine); later runs reuse it.
# A missing tool is an error (exit 2), never a skip. Progress goes to stderr; stdout is the path.
set -euo pipefail

# The pinned llama-cpp-python release and the llama.cpp build it vendors. The sdist's llama.cpp
# tree has no usable git history, so the build number (the upstream release tag bNNNNN) is passed
# explicitly; 0.3.36 vendors ggml-org/llama.cpp@0c1e57098, released as b11312.
LCP_VERSION=0.3.36
LLAMA_BUILD_NUMBER=11312
LLAMA_BUILD_COMMIT=0c1e570

CACHE="${PICKRT_E2E_CACHE:-$HOME/.cache/pickrt-e2e}"
PYTHON="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
OUT="$CACHE/llama-server-$LCP_VERSION"

log() { printf '[build_llama_server] %s\n' "$*" >&2; }
die() { printf '[build_llama_server] ERROR: %s\n' "$*" >&2; exit 2; }

works() { [ -x "$1" ] && timeout 30 "$1" --version >/dev/null 2>&1; }

if works "$OUT"; then
  log "cached: $OUT"
  echo "$OUT"
  exit 0
fi

# ---- tools -------------------------------------------------------------------------------------
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1; then missing+=("a C++ compiler (g++)"); fi
if ! command -v cc >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then missing+=("a C compiler (gcc)"); fi
command -v make >/dev/null 2>&1 || command -v ninja >/dev/null 2>&1 || missing+=("make or ninja")
command -v tar >/dev/null 2>&1 || missing+=(tar)
if [ ${#missing[@]} -gt 0 ]; then
  die "cannot build llama-server: missing ${missing[*]}. On Debian/Ubuntu: apt-get install -y cmake g++ make"
fi
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "cannot build llama-server: '$PYTHON -m pip' does not work (set PYTHON=...)"

mkdir -p "$CACHE"
# One build at a time per cache folder.
exec 9>"$CACHE/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 1800 9 || die "another build holds $CACHE/.build.lock for more than 30 minutes"
  if works "$OUT"; then log "cached (built meanwhile): $OUT"; echo "$OUT"; exit 0; fi
fi

SDIST="$CACHE/llama_cpp_python-$LCP_VERSION.tar.gz"
if [ ! -s "$SDIST" ]; then
  log "downloading the llama-cpp-python $LCP_VERSION source distribution (about 75 MB)"
  dl="$(mktemp -d "$CACHE/download.XXXXXX")"
  "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$LCP_VERSION" -d "$dl" \
    || { rm -rf "$dl"; die "pip download of llama-cpp-python==$LCP_VERSION failed"; }
  mv "$dl/llama_cpp_python-$LCP_VERSION.tar.gz" "$SDIST" \
    || { rm -rf "$dl"; die "pip download did not produce llama_cpp_python-$LCP_VERSION.tar.gz"; }
  rm -rf "$dl"
fi

WORK="$CACHE/build-$LCP_VERSION"
rm -rf "$WORK"
mkdir -p "$WORK"
log "unpacking $SDIST"
tar -xzf "$SDIST" -C "$WORK"
SRC="$WORK/llama_cpp_python-$LCP_VERSION/vendor/llama.cpp"
[ -f "$SRC/CMakeLists.txt" ] || die "no llama.cpp tree at $SRC"

start=$(date +%s)
log "configuring (CPU only, static, no network, no web UI)"
cmake -S "$SRC" -B "$WORK/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=OFF \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_NUMBER="$LLAMA_BUILD_NUMBER" \
  -DLLAMA_BUILD_COMMIT="$LLAMA_BUILD_COMMIT" \
  >"$WORK/configure.log" 2>&1 || { tail -n 40 "$WORK/configure.log" >&2; die "cmake configure failed (log: $WORK/configure.log)"; }

log "building target llama-server with $JOBS jobs (about 10-20 minutes on 2 cores)"
cmake --build "$WORK/build" --target llama-server -j "$JOBS" >"$WORK/build.log" 2>&1 \
  || { tail -n 60 "$WORK/build.log" >&2; die "build failed (log: $WORK/build.log)"; }

BIN="$WORK/build/bin/llama-server"
[ -x "$BIN" ] || BIN="$(find "$WORK/build" -type f -name llama-server -perm -u+x | head -n 1)"
[ -n "$BIN" ] && [ -x "$BIN" ] || die "the build finished but produced no llama-server binary"
works "$BIN" || die "the built $BIN does not run ('--version' failed)"

cp "$BIN" "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
rm -rf "$WORK"
log "built $OUT in $(( $(date +%s) - start )) s: $("$OUT" --version 2>&1 | grep -i version | head -n 1)"
echo "$OUT"
