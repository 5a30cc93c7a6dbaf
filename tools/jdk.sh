# SPDX-License-Identifier: Apache-2.0
# Sourced by ./egemma and java/egemma-bench/cold-start.sh: sets java to a JDK 22+ binary (empty when there is none).
# The feature version of the JDK of a java binary: from the JDK's release file (no JVM start: probing one costs
# ~0.14 s of every run), else by asking that java.
java_major() {
  real=$(readlink -f "$1" 2>/dev/null || echo "$1")
  release="${real%/bin/java}/release"
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$v" ]; then echo "$v"; return; fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}
java=""
# JAVA_HOME first, then java on PATH, then JDKs installed under /usr/lib/jvm (newest name first)
for cand in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -r); do
  [ -n "$cand" ] && [ -x "$cand" ] || continue
  major=$(java_major "$cand")
  if [ -n "$major" ] && [ "$major" -ge 22 ]; then java="$cand"; break; fi
done
