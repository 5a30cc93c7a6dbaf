#!/bin/sh
# Cold start and memory of the egemma CLI on one model (issue 27), each case run N times (default 10), medians:
#   first_vector_s  wall time of a fresh `./egemma embed -m MODEL "Hello world"` (JVM start to exit)
#   load_ms         `egemma bench --json`'s load_ms: Embedder.open in a fresh JVM
#   in_process_ms   a plain Java program on the library's JARs (dev.egemma.bench.FirstVector, no AOT cache): JVM start
#                   to the first vector returned by Embedder.embed
#   rss_mib         peak RSS of `egemma bench` on testdata/corpus/corpus-1000.txt (3 runs)
# The page cache is warm (one run of each first, which also writes the pack cache of MODEL when it is missing).
# Usage: java/egemma-bench/cold-start.sh MODEL [N]     (EGEMMA_BENCH_ARGS: more options for embed and bench, e.g. --threads 2)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
model=$1
n=${2:-10}
egemma="$here/egemma"
args=${EGEMMA_BENCH_ARGS:-}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
now() { date +%s%N; }

# shellcheck disable=SC2086
"$egemma" embed -m "$model" $args "Hello world" > /dev/null
i=0
: > /tmp/egemma-cold.$$
while [ $i -lt "$n" ]; do
  t0=$(now)
  # shellcheck disable=SC2086
  "$egemma" embed -m "$model" $args "Hello world" > /dev/null
  t1=$(now)
  echo "$(( (t1 - t0) / 1000000 ))" >> /tmp/egemma-cold.$$
  i=$((i + 1))
done
first=$(median < /tmp/egemma-cold.$$)

# The library as an application uses it: its two JARs and the probe's class on a thin class path, the JVM the launcher
# picked (JAVA_HOME or PATH), the same EGEMMA_JAVA_OPTS (e.g. -Degemma.packCache=DIR).
. "$here/tools/jdk.sh"
[ -n "$java" ] || { echo "cold-start.sh: needs a JDK 22 or newer (JAVA_HOME, java on PATH, /usr/lib/jvm)" >&2; exit 2; }
# the platform's native JAR (egemma-native-VERSION-OS-ARCH.jar), never its -sources or -javadoc JAR: with one of those on
# the class path the library finds no libegemma and the probe measures the Java backend
native_jar=$(ls "$here"/native/target/egemma-native-*.jar | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$' | head -1)
[ -n "$native_jar" ] || { echo "cold-start.sh: no platform JAR in native/target (build first)" >&2; exit 2; }
cp="$(ls "$here"/java/egemma-core/target/egemma-core-*[0-9T].jar | head -1):$native_jar:$here/java/egemma-bench/target/classes"
threads=$(echo " $args " | sed -n 's/.* --threads[ =]\([0-9]*\) .*/\1/p')
i=0
: > /tmp/egemma-cold.$$
while [ $i -lt "$n" ]; do
  # shellcheck disable=SC2086
  "$java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn24m ${EGEMMA_JAVA_OPTS:-} -cp "$cp" dev.egemma.bench.FirstVector "$model" $threads \
    > /tmp/egemma-probe.$$
  sed -n 's/.*first_vector_ms \([0-9]*\).*/\1/p' /tmp/egemma-probe.$$ >> /tmp/egemma-cold.$$
  i=$((i + 1))
done
backend=$(sed -n 's/.* backend \([^ ]*\).*/\1/p' /tmp/egemma-probe.$$)
rm -f /tmp/egemma-probe.$$
[ -s /tmp/egemma-cold.$$ ] || { echo "cold-start.sh: the in-process probe printed no first_vector_ms (its errors above)" >&2; exit 1; }
inproc=$(median < /tmp/egemma-cold.$$)

echo "Hello world" > /tmp/egemma-one.$$
i=0
: > /tmp/egemma-cold.$$
while [ $i -lt "$n" ]; do
  # shellcheck disable=SC2086
  "$egemma" bench -m "$model" $args -i /tmp/egemma-one.$$ --warmup 0 --json | sed -n 's/.*"load_ms" *: *\([0-9.]*\).*/\1/p' >> /tmp/egemma-cold.$$
  i=$((i + 1))
done
load=$(median < /tmp/egemma-cold.$$)

: > /tmp/egemma-cold.$$
for i in 1 2 3; do
  # shellcheck disable=SC2086
  "$egemma" bench -m "$model" $args -i "$here/testdata/corpus/corpus-1000.txt" --json | sed -n 's/.*"peak_rss_mib" *: *\([0-9.]*\).*/\1/p' >> /tmp/egemma-cold.$$
done
rss=$(median < /tmp/egemma-cold.$$)
rm -f /tmp/egemma-cold.$$ /tmp/egemma-one.$$
printf '%s: first_vector %s ms, in_process %s ms (%s), load %s ms (medians of %s), corpus-1000 peak RSS %s MiB (median of 3)\n' \
  "$(basename "$model")" "$first" "$inproc" "$backend" "$load" "$n" "$rss"
