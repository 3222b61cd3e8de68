#!/usr/bin/env bash
# Packs what bench/gpu-check.sh needs on a GPU machine that has no network and perhaps no Java,
# into .device/ (ignored by git): the jar, a Java 25 runtime made with jlink (xz-compressed,
# about 35 MB) and, when given, a data set.
#
#   bench/pack-device.sh [DATA]        e.g. bench/pack-device.sh ~/data/cifar10-jpeg.tar.xz
#
# Then, on the GPU machine, from a copy of this checkout with .device/ beside it:
#   bench/gpu-check.sh .device/DATA-FILE RESULTS.md
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
java_home=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /Library/Java/JavaVirtualMachines/*25*/Contents/Home; do
  [[ -n "$c" && -x "$c/bin/jlink" ]] && "$c/bin/java" -version 2>&1 | grep -q 'version "25' && { java_home="$c"; break; }
done
[[ -n "$java_home" ]] || { echo "pack-device.sh: no JDK 25 with jlink found (set JAVA_HOME)" >&2; exit 1; }
./mvnw -q -Dmaven.test.skip=true package
mkdir -p .device
cp target/cifar-linear.jar .device/
modules="$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 target/cifar-linear.jar)"
rm -rf .device/jre .device/jre.tar.xz
"$java_home/bin/jlink" --add-modules "$modules,jdk.crypto.ec" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --output .device/jre 2>/dev/null
tar -C .device -cf - jre | xz -T0 -6 > .device/jre.tar.xz
rm -rf .device/jre
if [[ $# -ge 1 ]]; then
  cp "$1" .device/
fi
du -sh .device/* | sed 's/^/  /'
