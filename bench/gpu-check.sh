#!/usr/bin/env bash
# The GPU backend's checks and measurements, in one run on a GPU machine (no network needed):
#   1. cifar-linear doctor --require-gpu: every kernel, both GEMMs and whole epochs against the CPU;
#   2. the tests tagged gpu (and the rest of cifarlinear.gpu), when bench/pack-device.sh packed them;
#   3. the seed configuration trained on the GPU and on the CPU (test accuracy, training time);
#   4. cifar-linear bench on the GPU (batches 50, 100, 500, 1000, against the GPU's measured
#      limits) with bench/torch_baseline.py on the same GPU as its --compare baseline, then again
#      with the other ways of launching a step (-Dcifarlinear.gpu.step=head or separate).
# Everything goes into one results file, with the machine and the commands. Each step has a time
# limit (STEP_SECONDS, 240 by default), and a failed step does not stop the ones after it; cifar-linear's
# failures print their stack traces (CIFAR_LINEAR_DEBUG).
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

# cuBLAS from a pip-installed CUDA (as PyTorch brings it: nvidia/cublas/lib for CUDA 12,
# nvidia/cu13/lib for CUDA 13), after the system's own.
pip_cublas="$(python3 - 2>/dev/null <<'EOF'
import glob, os
import nvidia
found = [glob.glob(os.path.join(p, "*", "lib", "libcublas.so.*")) for p in nvidia.__path__]
print(":".join(sorted({os.path.dirname(f) for fs in found for f in fs}, reverse=True)))
EOF
)"
[[ -n "$pip_cublas" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$pip_cublas"
limit="${STEP_SECONDS:-240}"

if [[ "$data" == *.tar.xz ]]; then
  mkdir -p /tmp/cifar-linear-data && tar -C /tmp/cifar-linear-data -xJf "$data"
  data="$(find /tmp/cifar-linear-data -mindepth 1 -maxdepth 2 -type d -name train -printf '%h\n' | head -1)"
fi

jvm=("$java_bin" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:ObjectAlignmentInBytes=64)
# run [JVM_OPTION ...] -- ARGS...: cifar-linear ARGS, in a JVM with those options too.
run() {
  local opts=()
  if [[ " $* " == *" -- "* ]]; then
    while [[ "$1" != "--" ]]; do opts+=("$1"); shift; done
    shift
  fi
  echo
  echo "\$ ${opts[*]:+java ${opts[*]} … }cifar-linear $*"
  CIFAR_LINEAR_DEBUG=1 timeout "$limit" "${jvm[@]}" "${opts[@]}" -jar "$jar" "$@" 2>&1 | grep -v 'Using incubator modules'
  local rc="${PIPESTATUS[0]}"
  (( rc == 0 )) || echo "(exit $rc$( (( rc == 124 )) && echo ", stopped after $limit s"))"
}
# The GPU tests, through the JUnit console launcher that bench/pack-device.sh packed.
gpu_tests() {
  [[ -f .device/tests.tar.xz ]] || { echo; echo "(no .device/tests.tar.xz: the GPU tests were not packed)"; return; }
  mkdir -p /tmp/cifar-linear-tests && tar -C /tmp/cifar-linear-tests -xJf .device/tests.tar.xz
  local t=/tmp/cifar-linear-tests/tests cp="$jar"
  for j in "$t"/*.jar; do [[ "$j" == *console-standalone* ]] || cp="$cp:$j"; done
  echo
  echo "\$ junit: cifarlinear.gpu and cifarlinear.cli.DeviceTest"
  timeout "$limit" "$java_bin" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -XX:ObjectAlignmentInBytes=64 -XX:+EnableDynamicAgentLoading -Djava.awt.headless=true \
    -jar "$t"/junit-platform-console-standalone-*.jar execute --disable-banner --disable-ansi-colors \
    --details=tree --class-path "$cp" --select-package cifarlinear.gpu --select-class cifarlinear.cli.DeviceTest \
    2>&1 | grep -v 'Using incubator modules'
  local rc="${PIPESTATUS[0]}"
  (( rc == 0 )) || echo "(exit $rc)"
}
{
  echo "# GPU check"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1),"
  echo "$(nproc) CPU cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p')), $("$java_bin" -version 2>&1 | head -1)."
  echo "Made by: bench/gpu-check.sh $1 $2"
  echo "cuBLAS libraries: $( { ldconfig -p 2>/dev/null | grep -o '/[^ ]*libcublas\.so\.[0-9]*$'; \
    ls /usr/local/cuda*/lib64/libcublas.so.* 2>/dev/null; tr ':' '\n' <<<"$pip_cublas" | sed '/^$/d; s:$:/libcublas.so.*:'; } \
    | sort -u | paste -sd ' ')"
  echo '```'
  run doctor --require-gpu
  gpu_tests
  run train --data "$data" --device gpu --out /tmp/cifar-linear-runs/gpu --force --no-progress
  run train --data "$data" --device cpu --out /tmp/cifar-linear-runs/cpu --force --no-progress
  run bench --data "$data" --device gpu \
    --compare "python3 bench/torch_baseline.py --device cuda --data $data --batch 100 --epochs 10"
  # The other ways of launching a step, for comparison: step_head doing the bias in its last block
  # (checked by doctor too), and the kernels one by one (gather, GEMM, activate, GEMM, bias_step).
  run -Dcifarlinear.gpu.step=head -- doctor --require-gpu
  run -Dcifarlinear.gpu.step=head -- bench --data "$data" --device gpu
  run -Dcifarlinear.gpu.step=separate -- bench --data "$data" --device gpu
  echo '```'
} | tee "$results"
