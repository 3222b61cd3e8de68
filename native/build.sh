#!/usr/bin/env bash
# Compiles kernels/linear.cu into native/linear.fatbin (SASS for every GPU generation from
# Turing to Blackwell, plus PTX that newer GPUs compile at load time) and records what it was
# built from in native/linear.fatbin.properties. Both are committed, so that building the jar
# needs no nvcc; the Maven build fails when kernels/linear.cu no longer matches the record.
#
#   native/build.sh            (needs nvcc 12.8 or newer on the PATH, or NVCC=/path/to/nvcc)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
nvcc="${NVCC:-nvcc}"
command -v "$nvcc" >/dev/null || { echo "native/build.sh: nvcc not found (set NVCC or put the CUDA toolkit's bin on the PATH)" >&2; exit 1; }
sass=(75 80 86 89 90 100 120)
ptx=75
flags=(-O3 -std=c++17 --fatbin -fmad=false -Xptxas=-O3 -Xfatbin=-compress-all)
for a in "${sass[@]}"; do flags+=(-gencode "arch=compute_$a,code=sm_$a"); done
flags+=(-gencode "arch=compute_$ptx,code=compute_$ptx")
"$nvcc" "${flags[@]}" -o native/linear.fatbin kernels/linear.cu
sha="$(sha256sum kernels/linear.cu | cut -d' ' -f1)"
version="$("$nvcc" --version | sed -n 's/.*release \([0-9.]*\), V\([0-9.]*\).*/\2/p')"
{
  echo "# What native/linear.fatbin was built from, written by native/build.sh. The build checks both"
  echo "# hashes: run native/build.sh after changing kernels/linear.cu."
  echo "sources=kernels/linear.cu"
  echo "sources.sha256=$sha"
  echo "fatbin.sha256=$(sha256sum native/linear.fatbin | cut -d' ' -f1)"
  echo "nvcc=$version"
  echo "sass=$(IFS=,; echo "${sass[*]}")"
  echo "ptx=$ptx"
} > native/linear.fatbin.properties
echo "native/linear.fatbin: $(wc -c < native/linear.fatbin) bytes, SASS for sm_$(IFS=,; echo "${sass[*]}" | sed 's/,/, sm_/g') and compute_$ptx PTX (nvcc $version)"
