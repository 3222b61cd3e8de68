# shellcheck shell=bash
# Helpers for the measurement scripts under bench/: source it after setting `tmp` (a scratch
# folder) and `script` (the script's name, for messages).

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# This machine in one line: CPU model, cores, AVX-512, memory, and the hypervisor if any.
machine() {
  echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores$(grep -q avx512f /proc/cpuinfo && echo ' with AVX-512'), $(free -g | awk '/^Mem:/ {print $2}') GiB$(lscpu | sed -n 's/^Hypervisor vendor: *\(.*\)/, \1 virtual machine/p')"
}

# require_whole_numbers NAME VALUE ...: stops unless every VALUE is a whole number of at least 1.
require_whole_numbers() {
  while (( $# >= 2 )); do
    if [[ ! "$2" =~ ^[1-9][0-9]*$ ]]; then
      echo "$script: $1 must be a whole number of at least 1, not '$2'" >&2
      exit 1
    fi
    shift 2
  done
}

# Stops unless the `java` in $JAVA (else on the PATH) is Java 25 or newer, which JMH's jar needs.
require_java25() {
  java="${JAVA:-java}"
  if ! "$java" -version 2>&1 | grep -q 'version "\(2[5-9]\|[3-9][0-9]\)'; then
    echo "$script: JMH needs Java 25 or newer; '$java' is not (set JAVA or the PATH)" >&2
    exit 1
  fi
}

# Stops unless python3 has NumPy and Pillow, which bench/numpy_baseline.py needs for image data.
require_numpy_pillow() {
  if ! python3 -c 'import numpy, PIL' 2> /dev/null; then
    echo "$script: the NumPy loops need python3 with NumPy and Pillow (pip install numpy pillow)" >&2
    exit 1
  fi
}

# The JVM options the cifar-linear launcher adds here: the Vector API module, 64-byte object
# alignment, and huge pages for the heap where Linux gives them on request (madvise).
launcher_jvm_args() {
  local thp=""
  if grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    thp=" -XX:+UseTransparentHugePages"
  fi
  echo "--add-modules=jdk.incubator.vector -XX:ObjectAlignmentInBytes=64$thp"
}

# Builds target/benchmarks.jar unless it is newer than every source.
build_benchmarks() {
  [[ -f target/benchmarks.jar && -z "$(find src -newer target/benchmarks.jar -print -quit)" ]] \
    || ./mvnw -q -P jmh -DskipTests package
}

# measure FILE PROGRAM COMMAND...: runs COMMAND with its output in $tmp/run.log and appends what
# the awk PROGRAM prints from it to FILE; when the command fails or PROGRAM finds nothing, shows
# the output and stops.
measure() {
  local file="$1" program="$2" value
  shift 2
  if ! "$@" > "$tmp/run.log" 2>&1; then
    cat "$tmp/run.log" >&2
    echo "$script: this failed: $*" >&2
    exit 1
  fi
  value="$(awk "$program" "$tmp/run.log")"
  if [[ -z "$value" ]]; then
    cat "$tmp/run.log" >&2
    echo "$script: no result in the output of: $*" >&2
    exit 1
  fi
  echo "$value" >> "$file"
}

# Seconds of epochs 2.. of the training run in folder $1, one per line (metrics.csv's
# epoch_seconds column): the first epoch, with start-up and compilation, left out.
epoch_seconds() { tail -n +3 "$1/metrics.csv" | cut -d, -f9; }

# The score of a JMH result line in $tmp/run.log-style output: the number before "±" (or before
# the unit when JMH gives no error).
jmh_score() { echo "{print (\$(NF - 2) == \"±\" ? \$(NF - 3) : \$(NF - 1))}"; }

# epoch_pairs FILE RUNS PAIRS WAYS [BATCH]: RUNS runs of cifarlinear.cpu.EpochPairs from
# target/benchmarks.jar, PAIRS pairs of epochs the two WAYS (idle-reads, vector-loss, sigmoid,
# halves, fall-back or take-over) each, at batch BATCH (default 100), with the launcher's JVM options;
# appends each run's summary and a blank line to FILE, and leaves the command in pairs_cmd.
epoch_pairs() {
  local file="$1" runs="$2" pairs="$3" ways="$4" batch="${5:-100}" run jvm_args
  read -ra jvm_args <<< "$(launcher_jvm_args)"
  pairs_cmd=("$java" "${jvm_args[@]}" -cp target/benchmarks.jar cifarlinear.cpu.EpochPairs "$pairs" "$ways" "$batch")
  for run in $(seq 1 "$runs"); do
    echo "== run $run: ${pairs_cmd[*]}" >&2
    measure "$file" '/ median |^(ratio|pairs|same)/' "${pairs_cmd[@]}"
    echo >> "$file"
  done
}

# build_revisions OLD NEW: the two git revisions' short names in rev[old] and rev[new] (stops when
# one is not a revision), each built in a worktree of its own, $tmp/old and $tmp/new (their jars
# in target/), which remove_revisions removes.
build_revisions() {
  local name spec
  declare -gA rev
  for name in old new; do
    spec="$([[ $name == old ]] && echo "$1" || echo "$2")"
    if ! rev[$name]="$(git -C "$here" rev-parse --short --verify --quiet "$spec^{commit}")"; then
      echo "$script: '$spec' is not a revision of this repository" >&2
      exit 1
    fi
  done
  for name in old new; do
    echo "== building ${rev[$name]} in $tmp/$name" >&2
    git -C "$here" worktree add --detach --quiet "$tmp/$name" "${rev[$name]}"
    "$tmp/$name/cifar-linear" --version > /dev/null
  done
}

# Removes the worktrees of build_revisions, and $tmp.
remove_revisions() {
  local name
  for name in old new; do
    if [[ -d "$tmp/$name" ]]; then
      git -C "$here" worktree remove --force "$tmp/$name" > /dev/null 2>&1 || true
    fi
  done
  rm -rf "$tmp"
}
