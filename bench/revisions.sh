#!/usr/bin/env bash
# Training epochs of two revisions of cifar-linear, side by side: each is built in a worktree of its
# own, then `train` runs of the two take turns (which goes first alternates), so that a slow spell
# of a shared machine hits both. For changes of a few percent, which single runs do not resolve.
#
#   bench/revisions.sh OLD NEW [PAIRS] [EPOCHS] [DATA]
#
# OLD and NEW are git revisions (commits, tags, branches). PAIRS (default 10) pairs of runs of
# EPOCHS (default 15) epochs each, seed configuration (softmax, batch 100, λ 0.1, η 0.01, flip 0.2),
# on DATA (any --data of `train`; default the built-in synthetic set). Each run counts by its median
# epoch (epochs 2..EPOCHS). Writes bench/results/revisions-OLD-NEW.md (short commit names): the
# machine, the commands, every pair, the median of the pairs' ratios and how many pairs NEW won,
# and each run's loading time (as `train` reports it), first epoch and whole run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script=bench/revisions.sh
usage="usage: $script OLD NEW [PAIRS] [EPOCHS] [DATA]"
old="${1:?$usage}"
new="${2:?$usage}"
pairs="${3:-10}"
epochs="${4:-15}"
data="${5:-}"
tmp="$(mktemp -d)"
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
trap remove_revisions EXIT
if [[ ! "$pairs" =~ ^[1-9][0-9]*$ || ! "$epochs" =~ ^[1-9][0-9]*$ || "$epochs" -lt 2 ]]; then
  echo "$script: PAIRS must be a whole number of at least 1 and EPOCHS at least 2 (the first is left out), not '$pairs' and '$epochs'" >&2
  exit 1
fi
build_revisions "$old" "$new"

train_args=(train --epochs "$epochs" --no-progress)
[[ -n "$data" ]] && train_args+=(--data "$data")
for pair in $(seq 1 "$pairs"); do
  order=(old new)
  (( pair % 2 == 0 )) && order=(new old)
  for name in "${order[@]}"; do
    echo "== pair $pair: ${rev[$name]}: cifar-linear ${train_args[*]} --out DIR" >&2
    rm -rf "$tmp/run"
    start=$(date +%s.%N)
    if ! "$tmp/$name/cifar-linear" "${train_args[@]}" --out "$tmp/run" > "$tmp/run.log" 2>&1; then
      cat "$tmp/run.log" >&2
      echo "$script: the run of ${rev[$name]} failed" >&2
      exit 1
    fi
    whole="$(echo "$(date +%s.%N) - $start" | bc)"
    epoch_seconds "$tmp/run" | median >> "$tmp/$name.times"
    # The loading time, from train's line "Data: ... (S s)"; the first epoch, from metrics.csv.
    loading="$(sed -n 's/^Data: .*(\([0-9.]*\) s)$/\1/p' "$tmp/run.log" | head -n 1)"
    echo "${loading:-?} $(sed -n 2p "$tmp/run/metrics.csv" | cut -d, -f9) $whole" >> "$tmp/$name.runs"
  done
done

out="$here/bench/results/revisions-${rev[old]}-${rev[new]}.md"
mkdir -p "$(dirname "$out")"
paste -d ' ' "$tmp/old.times" "$tmp/new.times" | awk '{print $2 / $1}' > "$tmp/ratios"
wins="$(paste -d ' ' "$tmp/old.times" "$tmp/new.times" | awk '$2 < $1 {n++} END {print n + 0}')"
{
  echo "# Training epochs of ${rev[old]} and ${rev[new]}, side by side"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $old $new $pairs $epochs${data:+ $data}\`: each pair runs, one after the other (which first alternates),"
  echo
  echo '```'
  echo "cifar-linear ${train_args[*]} --out DIR"
  echo '```'
  echo
  echo "built from each revision."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$tmp/new/cifar-linear" --version | tail -n 1)"
  echo "- ${rev[old]}: $(git -C "$here" log -1 --format=%s "${rev[old]}")"
  echo "- ${rev[new]}: $(git -C "$here" log -1 --format=%s "${rev[new]}")"
  echo
  echo "Median epoch (epochs 2..$epochs) of each run, in seconds:"
  echo
  echo "| pair | ${rev[old]} | ${rev[new]} | ratio |"
  echo "|---:|---:|---:|---:|"
  paste -d ' ' "$tmp/old.times" "$tmp/new.times" "$tmp/ratios" \
    | awk '{printf "| %d | %.4f | %.4f | %.3f |\n", NR, $1, $2, $3}'
  echo
  printf 'Medians: %.4f s (%s) and %.4f s (%s); median of the pairs'"'"' ratios %.3f; %s shorter in %d of %d pairs.\n' \
    "$(median < "$tmp/old.times")" "${rev[old]}" "$(median < "$tmp/new.times")" "${rev[new]}" \
    "$(median < "$tmp/ratios")" "${rev[new]}" "$wins" "$pairs"
  echo
  echo "Each run's loading of the data, first epoch and whole run (start to exit), in seconds:"
  echo
  echo "| pair | ${rev[old]} loading | first epoch | whole run | ${rev[new]} loading | first epoch | whole run |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  paste -d ' ' "$tmp/old.runs" "$tmp/new.runs" \
    | awk '{printf "| %d | %s | %.3f | %.1f | %s | %.3f | %.1f |\n", NR, $1, $2, $3, $4, $5, $6}'
  echo
  for name in old new; do
    printf 'Medians of %s: loading %s s, first epoch %.3f s, whole run %.1f s.\n' "${rev[$name]}" \
      "$(awk '{print $1}' "$tmp/$name.runs" | median)" "$(awk '{print $2}' "$tmp/$name.runs" | median)" \
      "$(awk '{print $3}' "$tmp/$name.runs" | median)"
  done
} > "$out"
cat "$out"
