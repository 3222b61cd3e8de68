#!/usr/bin/env bash
# Time of a sweep whose configurations share the batches, trained together on one pass over the
# data and then each on its own pass, in one run; writes bench/results/sweep-stacking.md.
#
#   bench/sweep-stacking.sh DATA [EPOCHS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:?usage: bench/sweep-stacking.sh DATA [EPOCHS]}"
epochs="${2:-10}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
grid=(--lambda 0.01,0.1 --eta 0.01,0.05 --schedule step,cosine --epochs "$epochs")
declare -A seconds
for mode in stacked separate; do
  flag=(); [[ $mode == separate ]] && flag=(--no-stack)
  line="$(./cifar-linear sweep --data "$data" "${grid[@]}" "${flag[@]}" --no-progress --out "$tmp/$mode" | grep '^Trained')"
  seconds[$mode]="$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' <<< "$line")"
done
cmp -s "$tmp/stacked/sweep.csv" "$tmp/separate/sweep.csv" && same="identical" || same="DIFFERENT"
mkdir -p bench/results
{
  echo "# Sweep: configurations trained together on one pass over the data, or each on its own"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/sweep-stacking.sh $data $epochs\`."
  echo
  echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
  echo "- Grid: 8 configurations (λ 0.01, 0.1 × η 0.01, 0.05 × step, cosine schedule), $epochs epochs, CPU backend"
  echo "- Seconds: training and the per-epoch validation, as \`sweep\` reports them"
  echo
  echo "| mode | seconds | |"
  echo "|---|---:|---:|"
  echo "| together (one pass) | ${seconds[stacked]} | $(echo "${seconds[separate]} / ${seconds[stacked]}" | bc -l | xargs printf '%.2f')× faster |"
  echo "| one after another (\`--no-stack\`) | ${seconds[separate]} | 1.00× |"
  echo
  echo "The two sweeps' tables (sweep.csv) are $same."
} > bench/results/sweep-stacking.md
cat bench/results/sweep-stacking.md
