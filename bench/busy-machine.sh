#!/usr/bin/env bash
# Training epochs on two threads in two ways, as pairs of epochs in one JVM
# (cifarlinear.cpu.EpochPairs in target/benchmarks.jar: seed configuration, 49,000 synthetic
# images, batch 100): first on the machine as it is, then with BUSY shell loops beside them, each
# keeping a core busy. The ways (WAYS):
#   fall-back  with the fallback to one thread (steps go over to the calling thread for a while
#              where that proves faster, as when other programs keep the cores busy:
#              cifarlinear.cpu.SerialFallback) and on the threads always;
#   take-over  with the calling thread taking over the pieces of a step that the other thread has
#              not begun by the time it is done with its own (cifarlinear.cpu.WorkerPool), and
#              waiting for them; both with the fallback.
#
#   bench/busy-machine.sh [PAIRS] [BUSY] [WAYS]
#
# PAIRS (default 60) pairs of epochs in each run; BUSY (default 1) busy loops during the second;
# WAYS (default fall-back). Needs a Java 25 `java` on the PATH (or JAVA). Writes
# bench/results/busy-machine.md (fall-back) or bench/results/busy-machine-take-over.md: the
# machine, the commands and each run's output.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs="${1:-60}"
busy="${2:-1}"
ways="${3:-fall-back}"
case "$ways" in
  fall-back) out="$here/bench/results/busy-machine.md"; title="falling back to one thread, or not" ;;
  take-over) out="$here/bench/results/busy-machine-take-over.md"
    title="the calling thread taking over the other's pieces, or waiting for them" ;;
  *) echo "bench/busy-machine.sh: WAYS is fall-back or take-over, not '$ways'" >&2; exit 1 ;;
esac
script=bench/busy-machine.sh
tmp="$(mktemp -d)"
loops=()
stop_loops() { (( ${#loops[@]} == 0 )) || kill "${loops[@]}" 2> /dev/null || true; loops=(); }
trap 'stop_loops; rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_whole_numbers PAIRS "$pairs" BUSY "$busy"
require_java25

cd "$here"
build_benchmarks
epoch_pairs "$tmp/quiet" 1 "$pairs" "$ways"
for _ in $(seq 1 "$busy"); do
  bash -c 'while :; do :; done' &
  loops+=("$!")
done
epoch_pairs "$tmp/busy" 1 "$pairs" "$ways"
stop_loops

mkdir -p "$(dirname "$out")"
{
  echo "# Two threads on a busy machine: $title"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $pairs $busy $ways\`, which runs"
  echo
  echo '```'
  echo "${pairs_cmd[*]}"
  echo '```'
  echo
  echo "twice: on the machine as it was, then with $busy \`bash -c 'while :; do :; done'\` beside it."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "Each run: $pairs pairs of training epochs after three of warm-up, the two backends taking turns."
  echo
  echo "As it was:"
  echo
  echo '```'
  sed '$d' "$tmp/quiet"
  echo '```'
  echo
  echo "With $busy busy loop$( (( busy > 1 )) && echo s):"
  echo
  echo '```'
  sed '$d' "$tmp/busy"
  echo '```'
} > "$out"
cat "$out"
