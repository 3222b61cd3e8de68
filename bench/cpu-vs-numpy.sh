#!/usr/bin/env bash
# Epoch times of cifar-linear's CPU backend and of the NumPy loops in bench/numpy_baseline.py,
# measured one after the other on the same machine and data, with the seed configuration
# (softmax, batch 100, λ 0.1, η 0.01, flip 0.2, 49,000 training images; the seed report also
# used batch 50, which BATCH selects).
#
#   bench/cpu-vs-numpy.sh DATA [EPOCHS] [ROUNDS] [BATCH]
#
# DATA is a folder or .zip of train/ and test/ image folders (the NumPy loader needs Pillow).
# Each program runs ROUNDS times (default 2), alternating, so that a slow spell of a shared
# machine hits both. Writes bench/results/cpu-vs-numpy.md (cpu-vs-numpy-batchBATCH.md for other
# batches): the machine, the commands and the median epoch times (epochs 2..EPOCHS, so that
# start-up and compilation are left out), of all rounds together and of each round alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:?usage: bench/cpu-vs-numpy.sh DATA [EPOCHS] [ROUNDS] [BATCH]}"
epochs="${2:-6}"
rounds="${3:-2}"
batch="${4:-100}"
out="$here/bench/results/cpu-vs-numpy$([[ $batch == 100 ]] || echo "-batch$batch").md"
script=bench/cpu-vs-numpy.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
if [[ ! "$epochs" =~ ^[1-9][0-9]*$ || "$epochs" -lt 2 ]]; then
  echo "$script: EPOCHS must be a whole number of at least 2 (the first is left out), not '$epochs'" >&2
  exit 1
fi
require_whole_numbers ROUNDS "$rounds" BATCH "$batch"
require_numpy_pillow

cd "$here"
java_cmd=(./cifar-linear train --data "$data" --epochs "$epochs" --batch "$batch" --no-progress --out)
np_cmd() { echo python3 bench/numpy_baseline.py --version "$1" --data "$data" --epochs "$epochs" --batch "$batch"; }
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round: ${java_cmd[*]} DIR" >&2
  rm -rf "$tmp/run"
  "${java_cmd[@]}" "$tmp/run" > "$tmp/java.log"
  epoch_seconds "$tmp/run" > "$tmp/java.$round"
  java_acc="$(grep -o '"test_accuracy" : [0-9.]*' "$tmp/run/summary.json" | awk '{print $3}')"
  for version in tuned typical; do
    echo "== round $round: $(np_cmd "$version")" >&2
    $(np_cmd "$version") > "$tmp/np-$version.log"
    awk '/^epoch/ && $2 > 1 {print $4}' "$tmp/np-$version.log" > "$tmp/np-$version.$round"
  done
done
cat "$tmp"/java.[0-9]* > "$tmp/java.times"
for version in tuned typical; do
  cat "$tmp/np-$version".[0-9]* > "$tmp/np-$version.times"
done
java_epoch="$(median < "$tmp/java.times")"
declare -A np_epoch np_acc
for version in tuned typical; do
  np_epoch[$version]="$(median < "$tmp/np-$version.times")"
  np_acc[$version]="$(awk '/^test_accuracy/ {print $2}' "$tmp/np-$version.log")"
done

mkdir -p "$(dirname "$out")"
{
  echo "# CPU training epoch: cifar-linear against NumPy"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/cpu-vs-numpy.sh $data $epochs $rounds $batch\`, one program after the other."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$here/cifar-linear" --version | tail -n 1)"
  echo "- NumPy: $(python3 -c 'import numpy; print(numpy.__version__)'), BLAS: $(python3 -c 'import numpy; c=numpy.show_config(mode="dicts"); print(c["Build Dependencies"]["blas"]["name"], c["Build Dependencies"]["blas"]["version"])' 2>/dev/null || echo unknown)"
  echo "- Configuration: softmax, batch $batch, λ 0.1, η 0.01, flip 0.2, 49,000 training images; median over epochs 2..$epochs of $rounds runs each"
  echo
  echo "| implementation | seconds per epoch | cifar-linear is faster by | test accuracy after $epochs epochs |"
  echo "|---|---:|---:|---:|"
  printf '| cifar-linear, CPU backend | %.3f | 1.0× | %.4f |\n' "$java_epoch" "$java_acc"
  for version in tuned typical; do
    printf '| NumPy, %s loop | %.3f | %.1f× | %s |\n' "$version" "${np_epoch[$version]}" \
      "$(echo "${np_epoch[$version]} / $java_epoch" | bc -l)" "${np_acc[$version]}"
  done
  echo
  echo "Each round on its own (its three programs ran back to back):"
  echo
  echo "| round | cifar-linear (s) | tuned loop (s) | faster by | typical loop (s) | faster by |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for ((round = 1; round <= rounds; round++)); do
    j="$(median < "$tmp/java.$round")"
    t="$(median < "$tmp/np-tuned.$round")"
    y="$(median < "$tmp/np-typical.$round")"
    printf '| %d | %.3f | %.3f | %.1f× | %.3f | %.1f× |\n' "$round" "$j" "$t" "$(echo "$t / $j" | bc -l)" \
      "$y" "$(echo "$y / $j" | bc -l)"
  done
  echo
  echo "Commands:"
  echo
  echo '```'
  echo "${java_cmd[*]} DIR"
  np_cmd tuned
  np_cmd typical
  echo '```'
} > "$out"
cat "$out"
