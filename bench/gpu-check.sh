#!/usr/bin/env bash
# The GPU backend's checks and measurements, in one run on a GPU machine (no network needed):
#   1. cifar-linear doctor --require-gpu: every kernel, both GEMMs and whole epochs against the CPU;
#   2. the seed configuration trained on the GPU and on the CPU (test accuracy, training time);
#   3. cifar-linear bench on the GPU (batches 50, 100, 500, 1000, against the GPU's measured
#      limits) with bench/torch_baseline.py on the same GPU as its --compare baseline.
# Everything goes into one results file, with the machine and the commands.
#
#   bench/gpu-check.sh DATA RESULTS.md
#
# DATA: CIFAR-10 in any form cifar-linear reads, or a .tar.xz of one (unpacked to /tmp first).
# Java: a Java 25 'java' on the PATH or in JAVA_HOME, else the runtime bench/pack-device.sh
# packed into .device/jre.tar.xz. The jar: target/cifar-linear.jar, else .device/cifar-linear.jar.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
[[ $# -eq 2 ]] || { echo "usage: bench/gpu-check.sh DATA RESULTS.md" >&2; exit 2; }
data="$1"
results="$2"

java_bin=""
for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)"; do
  [[ -n "$c" && -x "$c" ]] && "$c" -version 2>&1 | grep -q 'version "2[5-9]' && { java_bin="$c"; break; }
done
if [[ -z "$java_bin" ]]; then
  [[ -f .device/jre.tar.xz ]] || { echo "gpu-check.sh: no Java 25 here and no .device/jre.tar.xz (run bench/pack-device.sh)" >&2; exit 1; }
  mkdir -p /tmp/cifar-linear-jre && tar -C /tmp/cifar-linear-jre -xJf .device/jre.tar.xz
  java_bin=/tmp/cifar-linear-jre/jre/bin/java
fi
jar=target/cifar-linear.jar
[[ -f "$jar" ]] || jar=.device/cifar-linear.jar
[[ -f "$jar" ]] || { echo "gpu-check.sh: no target/cifar-linear.jar or .device/cifar-linear.jar" >&2; exit 1; }

# cuBLAS from a pip-installed CUDA (as PyTorch brings it), when the system has none on the path.
pip_cublas="$(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' 2>/dev/null || true)"
[[ -n "$pip_cublas" && -d "$pip_cublas" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$pip_cublas"

if [[ "$data" == *.tar.xz ]]; then
  mkdir -p /tmp/cifar-linear-data && tar -C /tmp/cifar-linear-data -xJf "$data"
  data="$(find /tmp/cifar-linear-data -mindepth 1 -maxdepth 2 -type d -name train -printf '%h\n' | head -1)"
fi

cl=("$java_bin" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:ObjectAlignmentInBytes=64 -jar "$jar")
run() {
  echo
  echo "\$ cifar-linear $*"
  "${cl[@]}" "$@" 2>&1 | grep -v 'Using incubator modules'
}
{
  echo "# GPU check"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1),"
  echo "$(nproc) CPU cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p')), $("$java_bin" -version 2>&1 | head -1)."
  echo "Made by: bench/gpu-check.sh $1 $2"
  echo '```'
  run doctor --require-gpu
  run train --data "$data" --device gpu --out /tmp/cifar-linear-runs/gpu --force --no-progress
  run train --data "$data" --device cpu --out /tmp/cifar-linear-runs/cpu --force --no-progress
  run bench --data "$data" --device gpu \
    --compare "python3 bench/torch_baseline.py --device cuda --data $data --batch 100 --epochs 10"
  echo '```'
} | tee "$results"
