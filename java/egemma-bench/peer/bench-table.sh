#!/bin/sh
# A markdown table of egemma against both llama.cpp peers: for each MODEL file, compare.sh on each corpus (default
# corpus-1000, ~35 tokens a text, and corpus-250, ~250 tokens a text), one row per file and corpus, plus egemma's
# latency on 'Hello world' (egemma bench --mode latency --warmup 100 --repeat 200: p50 of 200 single-text embeds once
# 100 have warmed the JIT up (after only 5, the p50 was 2-3x the steady state's); one
# measurement per file, shown on each of its rows). Rows go to stdout as each finishes; every run's output to a log.
#
# usage: java/egemma-bench/peer/bench-table.sh MODEL.gguf...
# env: THREADS   compute threads for every tool (default 2)
#      ROUNDS    alternating rounds per file and corpus (default 2; compare.sh prints medians)
#      CORPORA   corpus files, space-separated (default testdata/corpus/corpus-1000.txt testdata/corpus/corpus-250.txt)
#      LOG_DIR   where each compare.sh and latency run's output goes (default: a new ${TMPDIR:-/tmp}/egemma-table.*)
#      EGEMMA_NATIVE_PEER  the natively built llama-embedding (default /tmp/egemma-llamacpp/build-native/bin/
#                llama-embedding when it exists; unset and absent: that column is "-")
#      EGEMMA_BENCH_ARGS, EGEMMA_PEER_DIR, EGEMMA_NODE_PEER, EGEMMA_NATIVE_PEER_ARGS: passed to compare.sh (and
#                EGEMMA_BENCH_ARGS to the latency run)
# Columns: type is the file name without .gguf; tok/s without model load (see compare.sh for what each tool's clock
# holds); the ratios are egemma/peer of the medians, the last one with load included on both sides (native: its
# whole process); peak RSS in MiB (the largest run); "-" where a tool did not run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d' >&2; exit 2; }
case $1 in -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d' >&2; exit 2 ;; esac
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
corpora=${CORPORA:-$root/testdata/corpus/corpus-1000.txt $root/testdata/corpus/corpus-250.txt}
default_native=/tmp/egemma-llamacpp/build-native/bin/llama-embedding
if [ -z "${EGEMMA_NATIVE_PEER:-}" ] && [ -x "$default_native" ]; then
  EGEMMA_NATIVE_PEER=$default_native; export EGEMMA_NATIVE_PEER
fi
for f in "$@"; do [ -f "$f" ] || { echo "bench-table.sh: no model file $f" >&2; exit 2; }; done
for c in $corpora; do [ -f "$c" ] || { echo "bench-table.sh: no corpus file $c" >&2; exit 2; }; done
log=${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/egemma-table.XXXXXX")}
mkdir -p "$log"
echo "bench-table.sh: $threads threads, $rounds rounds; native peer: ${EGEMMA_NATIVE_PEER:-none}; logs in $log" >&2
trap 'trap - INT TERM; kill 0; exit 130' INT TERM
printf 'Hello world\n' > "$log/hello.txt"

echo "| type | corpus | egemma tok/s | node-llama-cpp tok/s | native llama.cpp tok/s | egemma/node | egemma/native | egemma/native incl. load | RSS egemma | RSS node | RSS native | egemma p50 ms ('Hello world') |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for model in "$@"; do
  type=$(basename "$model" .gguf)
  # shellcheck disable=SC2086
  if "$root/egemma" bench -m "$model" -i "$log/hello.txt" --mode latency --warmup 100 --repeat 200 --threads "$threads" \
       --json ${EGEMMA_BENCH_ARGS:-} > "$log/$type.latency.json" 2>"$log/$type.latency.err"; then
    p50=$(sed -n 's/.*"p50_ms": *\([0-9.]*\).*/\1/p' "$log/$type.latency.json" | tail -n 1)
  else
    p50=-; echo "bench-table.sh: latency run failed for $model (see $log/$type.latency.err)" >&2
  fi
  for corpus in $corpora; do
    name=$(basename "$corpus" .txt)
    run=$log/$type.$name
    echo "bench-table.sh: $type on $name ..." >&2
    rm -f "$run.tsv"
    if ! EGEMMA_COMPARE_SUMMARY=$run.tsv "$here/compare.sh" "$model" "$corpus" "$threads" "$rounds" > "$run.log" 2>&1; then
      echo "bench-table.sh: compare.sh failed for $type on $name (see $run.log)" >&2
    fi
    [ -f "$run.tsv" ] || : > "$run.tsv"
    awk -F'\t' -v type="$type" -v corpus="$name" -v p50="${p50:--}" '
      { tps[$1] = $2; incl[$1] = $3; rss[$1] = $4 }
      function v(a, k, fmt) { return (k in a) ? sprintf(fmt, a[k]) : "-" }
      function ratio(a, p) { return ("egemma" in a && p in a && a[p] > 0) ? sprintf("%.2f", a["egemma"] / a[p]) : "-" }
      END {
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", type, corpus,
          v(tps, "egemma", "%.1f"), v(tps, "node", "%.1f"), v(tps, "native", "%.1f"),
          ratio(tps, "node"), ratio(tps, "native"), ratio(incl, "native"),
          v(rss, "egemma", "%.0f"), v(rss, "node", "%.0f"), v(rss, "native", "%.0f"), p50 == "" ? "-" : p50
      }' "$run.tsv"
  done
done
