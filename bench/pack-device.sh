#!/usr/bin/env bash
# Packs what bench/gpu-check.sh needs on a GPU machine that has no network and perhaps no Java,
# into .device/ (ignored by git):
#   cifar-linear.jar  the application;
#   jre.tar.xz        a Java 25 runtime made with jlink (about 22 MB);
#   tests.tar.xz      the GPU tests (test classes, AssertJ and Byte Buddy, the JUnit console
#                     launcher), when Maven can fetch the launcher; without it the check skips them;
#   DATA              a copy of the data set, when one is given.
# The jars inside the archives are stored uncompressed, so that xz compresses them well.
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
export JAVA_HOME="$java_home"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# store JAR OUT: OUT holds JAR's entries uncompressed.
store() {
  python3 - "$1" "$2" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_STORED)
EOF
}

./mvnw -q -DskipTests package
mkdir -p .device
rm -rf .device/jre .device/jre.tar.xz .device/tests.tar.xz
cp target/cifar-linear.jar .device/

# The runtime: the jar's modules, and what the test launcher, AssertJ and Byte Buddy use.
modules="$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 target/cifar-linear.jar)"
"$java_home/bin/jlink" --add-modules "$modules,jdk.crypto.ec,java.logging,java.instrument,java.scripting,jdk.zipfs" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$tmp/jre" 2>/dev/null
tar -C "$tmp" -cf - jre | xz -T0 -9 > .device/jre.tar.xz

# The tests: the test classes as a jar, with the libraries the GPU tests need beyond the application.
junit="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)"
launcher="org.junit.platform:junit-platform-console-standalone:${junit:-6.1.3}"
if ./mvnw -q dependency:copy -Dartifact="$launcher" -DoutputDirectory="$tmp/lib" >/dev/null 2>&1; then
  ./mvnw -q dependency:copy-dependencies -DincludeScope=test -DincludeArtifactIds=assertj-core,byte-buddy \
    -DoutputDirectory="$tmp/lib" >/dev/null
  mkdir -p "$tmp/tests"
  "$java_home/bin/jar" --create --file "$tmp/lib/test-classes.jar" -C target/test-classes .
  for j in "$tmp"/lib/*.jar; do
    store "$j" "$tmp/tests/$(basename "$j")"
  done
  tar -C "$tmp" -cf - tests | xz -T0 -9 > .device/tests.tar.xz
else
  echo "pack-device.sh: Maven could not fetch $launcher; packing without the GPU tests" >&2
fi
if [[ $# -ge 1 ]]; then
  cp "$1" .device/
fi
du -sh .device/* | sed 's/^/  /'
