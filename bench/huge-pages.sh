#!/usr/bin/env bash
# Training speed with the JVM heap on transparent huge pages (2 MB) and on ordinary 4 KB pages:
# `cifar-linear bench` at batch 100 on one thread and on all cores, and the JMH benchmark of the
# gather alone (GatherBenchmark), the two settings alternating round after round so that a slow
# spell of a shared machine hits both.
#
#   bench/huge-pages.sh [DATA] [ROUNDS]
#
# DATA as for `cifar-linear bench --data` (default: synthetic); ROUNDS (default 6) runs per
# setting and thread count (half as many of the JMH benchmark). Needs Linux with transparent huge
# pages in "madvise" mode (in "always" mode the heap gets them either way, so there is nothing to
# compare), and a Java 25 `java` on the PATH (or JAVA) for JMH.
# Writes bench/results/huge-pages.md: the machine, the commands, every run and the medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-synthetic}"
rounds="${2:-6}"
out="$here/bench/results/huge-pages.md"
thp_mode="$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)"
if [[ "$thp_mode" != madvise ]]; then
  echo "bench/huge-pages.sh: transparent huge pages are '${thp_mode:-unavailable}' here, not 'madvise'; nothing to compare" >&2
  exit 1
fi
script=bench/huge-pages.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_java25
cores="$(nproc)"
settings=(-XX:-UseTransparentHugePages -XX:+UseTransparentHugePages)

cd "$here"
bench_cmd() { echo ./cifar-linear bench --data "$data" --batch 100 --threads "$1" --repeats 5; }
for round in $(seq 1 "$rounds"); do
  for threads in 1 "$cores"; do
    for setting in "${settings[@]}"; do
      echo "== round $round: JAVA_OPTS=$setting $(bench_cmd "$threads")" >&2
      # shellcheck disable=SC2046
      measure "$tmp/$threads$setting" '/^RESULT / {for (i = 1; i <= NF; i++) if ($i ~ /^epoch_seconds=/) print substr($i, 15)}' \
        env JAVA_OPTS="$setting" $(bench_cmd "$threads")
    done
  done
done

build_benchmarks
jmh_args=(-jar target/benchmarks.jar 'GatherBenchmark.gatherBatch$' -p kernels=vector -i 10 -r 1 -foe true -jvmArgsAppend)
# The launcher's options besides the one compared: objects on 64 bytes (see bench/alignment.sh).
jmh_cmd() { echo "$java ${jmh_args[*]} \"--add-modules=jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 $1\""; }
for round in $(seq 1 $(( (rounds + 1) / 2 ))); do
  for setting in "${settings[@]}"; do
    echo "== round $round: $(jmh_cmd "$setting")" >&2
    measure "$tmp/jmh$setting" "/^GatherBenchmark\.gatherBatch / $(jmh_score)" \
      "$java" "${jmh_args[@]}" "--add-modules=jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 $setting"
  done
done

mkdir -p "$(dirname "$out")"
{
  echo "# Transparent huge pages"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/huge-pages.sh $data $rounds\`: each round runs, one after the other,"
  echo
  echo '```'
  echo "JAVA_OPTS=-XX:-UseTransparentHugePages $(bench_cmd 1)"
  echo "JAVA_OPTS=-XX:+UseTransparentHugePages $(bench_cmd 1)"
  echo "JAVA_OPTS=-XX:-UseTransparentHugePages $(bench_cmd "$cores")"
  echo "JAVA_OPTS=-XX:+UseTransparentHugePages $(bench_cmd "$cores")"
  echo '```'
  echo
  echo 'and, every second round,'
  echo
  echo '```'
  jmh_cmd "-XX:-UseTransparentHugePages"
  jmh_cmd "-XX:+UseTransparentHugePages"
  echo '```'
  echo
  echo "- Machine: $(machine); transparent huge pages: $thp_mode"
  echo "- Java: $("$here/cifar-linear" --version | tail -n 1)"
  echo
  echo "Seconds per training epoch (\`epoch_seconds\` of the RESULT line: the median of five timed epochs), in the order run:"
  echo
  echo "| threads | heap on | runs | median |"
  echo "|---:|---|---|---:|"
  for threads in 1 "$cores"; do
    for setting in "${settings[@]}"; do
      [[ "$setting" == *+* ]] && pages="2 MB pages" || pages="4 KB pages"
      printf '| %s | %s | %s | %.4f |\n' "$threads" "$pages" "$(paste -sd ' ' "$tmp/$threads$setting")" \
        "$(median < "$tmp/$threads$setting")"
    done
  done
  echo
  echo "The gather alone, one thread: microseconds per batch of 100 rows drawn at random from 49,000 (JMH's mean of ten 1-second iterations):"
  echo
  echo "| heap on | runs | median |"
  echo "|---|---|---:|"
  for setting in "${settings[@]}"; do
    [[ "$setting" == *+* ]] && pages="2 MB pages" || pages="4 KB pages"
    printf '| %s | %s | %.1f |\n' "$pages" "$(paste -sd ' ' "$tmp/jmh$setting")" "$(median < "$tmp/jmh$setting")"
  done
} > "$out"
cat "$out"
