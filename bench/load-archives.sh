#!/usr/bin/env bash
# Time to load all of CIFAR-10 straight from each official .tar.gz (binary, python, MATLAB), as
# `cifar-linear data info` reports it (reading, decompressing and decoding; the JVM's start is
# not counted), three runs each.
#
#   bench/load-archives.sh ARCHIVE_DIR [IMAGES]
#
# ARCHIVE_DIR holds cifar-10-binary.tar.gz, cifar-10-python.tar.gz and cifar-10-matlab.tar.gz
# (from `cifar-linear download`, or built from an image folder/zip IMAGES by
# bench/make_cifar_archives.py when they are missing). Writes bench/results/load-archives.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:?usage: bench/load-archives.sh ARCHIVE_DIR [IMAGES]}"
images="${2:-}"
out="$here/bench/results/load-archives.md"
formats=(binary python matlab)

for f in "${formats[@]}"; do
  if [[ ! -f "$dir/cifar-10-$f.tar.gz" ]]; then
    [[ -n "$images" ]] || { echo "no $dir/cifar-10-$f.tar.gz; give IMAGES to build the archives" >&2; exit 2; }
    echo "== building the archives from $images" >&2
    python3 "$here/bench/make_cifar_archives.py" "$images" "$dir"
    break
  fi
done

cd "$here"
declare -A times sizes sha
for f in "${formats[@]}"; do
  file="$dir/cifar-10-$f.tar.gz"
  sizes[$f]="$(du -m "$file" | cut -f1)"
  for run in 1 2 3; do
    line="$(./cifar-linear data info "$file" | head -n 3)"
    times[$f]+="$(sed -n '1s/.*(\([0-9.]*\) s)$/\1/p' <<< "$line") "
    sha[$f]="$(sed -n '3s/.*sha256 //p' <<< "$line")"
  done
done

mkdir -p "$(dirname "$out")"
{
  echo "# Loading CIFAR-10 from its .tar.gz"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/load-archives.sh $dir${images:+ $images}\`."
  echo
  echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "- Java: $(./cifar-linear --version | tail -n 1)"
  if [[ -n "$images" ]]; then
    echo "- Archives: built by bench/make_cifar_archives.py from $images, with the official layouts, names,"
    echo "  batch sizes and encodings (this machine cannot reach the CIFAR site)"
  fi
  echo "- Each figure: seconds from the start of reading to the data set in memory (50,000 training and"
  echo "  10,000 test images), as the \`Data:\` line of \`./cifar-linear data info ARCHIVE\` reports it."
  echo
  echo "| archive | MB | run 1 | run 2 | run 3 | training-set fingerprint |"
  echo "|---|---:|---:|---:|---:|---|"
  for f in "${formats[@]}"; do
    read -r a b c <<< "${times[$f]}"
    echo "| cifar-10-$f.tar.gz | ${sizes[$f]} | $a s | $b s | $c s | \`${sha[$f]:0:16}…\` |"
  done
} > "$out"
cat "$out"
