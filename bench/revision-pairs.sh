#!/usr/bin/env bash
# Training epochs of two revisions of cifar-linear in one JVM: each is built in a worktree of its
# own, then bench/RevisionPairs.java loads both jars, each by a class loader of its own, and their
# CPU backends take turns epoch by epoch (seed configuration, 49,000 synthetic images, two
# threads), so that a slow spell of a shared machine hits both alike. It resolves differences of a
# few percent, which bench/revisions.sh (whole `train` runs by turns) does not here.
#
#   bench/revision-pairs.sh OLD NEW [RUNS] [PAIRS] [BATCHES] [THREADS]
#
# OLD and NEW are git revisions (commits, tags, branches) whose backends RevisionPairs can drive
# (CpuBackend, EpochPlan.draw and Backend.trainEpoch as of this writing). RUNS (default 2) JVMs of
# PAIRS (default 40) pairs for each of BATCHES (default "100"), on THREADS threads (default 2). Needs
# a Java 25 JDK's `java` on the PATH (or JAVA). Writes bench/results/revision-pairs-OLD-NEW.md (short
# commit names; -threadsN before .md for other numbers of threads).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script=bench/revision-pairs.sh
usage="usage: $script OLD NEW [RUNS] [PAIRS] [BATCHES] [THREADS]"
old="${1:?$usage}"
new="${2:?$usage}"
runs="${3:-2}"
pairs="${4:-40}"
batches="${5:-100}"
threads="${6:-2}"
tmp="$(mktemp -d)"
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
trap remove_revisions EXIT
require_whole_numbers RUNS "$runs" PAIRS "$pairs" THREADS "$threads"
for batch in $batches; do
  require_whole_numbers BATCHES "$batch"
done
require_java25
build_revisions "$old" "$new"

cd "$here"
read -ra jvm_args <<< "$(launcher_jvm_args)"
for batch in $batches; do
  cmd=("$java" "${jvm_args[@]}" bench/RevisionPairs.java "$tmp/old/target/cifar-linear.jar"
       "$tmp/new/target/cifar-linear.jar" "$pairs" "$batch" "$threads")
  for run in $(seq 1 "$runs"); do
    echo "== batch $batch, run $run: ${cmd[*]}" >&2
    measure "$tmp/batch$batch" '/ median |^(ratio|pairs)/' "${cmd[@]}"
    echo >> "$tmp/batch$batch"
  done
done

out="$here/bench/results/revision-pairs-${rev[old]}-${rev[new]}$([[ $threads == 2 ]] || echo "-threads$threads").md"
mkdir -p "$(dirname "$out")"
{
  echo "# Training epochs of ${rev[old]} (old) and ${rev[new]} (new), by turns in one JVM"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $old $new $runs $pairs \"$batches\" $threads\`, which runs, for each batch, $runs times"
  echo
  echo '```'
  echo "$java ${jvm_args[*]} bench/RevisionPairs.java OLD/target/cifar-linear.jar NEW/target/cifar-linear.jar $pairs BATCH $threads"
  echo '```'
  echo
  echo "with each revision built in a worktree of its own."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo "- ${rev[old]}: $(git -C "$here" log -1 --format=%s "${rev[old]}")"
  echo "- ${rev[new]}: $(git -C "$here" log -1 --format=%s "${rev[new]}")"
  echo
  echo "Each run: $pairs pairs of training epochs on $threads thread$([[ $threads == 1 ]] || echo s) after three of warm-up, the two builds taking turns."
  for batch in $batches; do
    echo
    echo "Batch $batch:"
    echo
    echo '```'
    sed '$d' "$tmp/batch$batch"
    echo '```'
  done
} > "$out"
cat "$out"
