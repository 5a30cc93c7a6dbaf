#!/bin/sh
# Side-by-side throughput of egemma and llama.cpp on the same model, corpus and thread count. Two llama.cpp peers:
#   node    npm node-llama-cpp@3.22.1 (llama.cpp v0.5.0, prebuilt CPU library): one decode per text;
#   native  llama.cpp's own llama-embedding from that same source, built natively for this CPU
#           (/work/shared/tools/llamacpp/build-native.sh): several texts per decode, the stronger peer. Optional.
# Runs alternate (egemma, node, native, egemma, node, native, ...) because shared machines are noisy; prints every
# run, each tool's medians and the ratios egemma/peer.
#
# usage: java/egemma-bench/peer/compare.sh MODEL.gguf [CORPUS.txt] [THREADS] [ROUNDS]
#   CORPUS  default testdata/corpus/corpus-1000.txt      THREADS default 2      ROUNDS default 2
# env: EGEMMA_BENCH_ARGS        extra egemma bench options (e.g. "--backend native --max-batch-tokens 2048")
#      EGEMMA_PEER_DIR          scratch directory for node's npm install (default ${TMPDIR:-/tmp}/egemma-peer)
#      EGEMMA_NODE_PEER=off     skip the node peer
#      EGEMMA_NATIVE_PEER       the natively built llama-embedding, e.g.
#                               /tmp/egemma-llamacpp/build-native/bin/llama-embedding (unset or missing: skipped)
#      EGEMMA_NATIVE_PEER_ARGS  its batch options instead of the computed "-c B -b B -ub B -np N -fa off": B is the
#                               corpus's longest text in tokens rounded up to a multiple of 128 (at least 128: the
#                               best setting measured on short texts; llama-embedding refuses a text longer than
#                               -b), N the most texts one batch of B tokens holds, at least 4 (a batch with more
#                               sequences than -np fails to decode)
#      EGEMMA_COMPARE_SUMMARY   also write each tool's medians to this file (tab-separated: tool, tokens/s,
#                               tokens/s incl. load, peak RSS MiB, load ms, tokens), for bench-table.sh
# What is measured:
#   tokens/s   tokens / wall time without the model load, as egemma bench --json reports it (its wall_s excludes
#              load_ms and follows a 32-text warm-up; tokenization is inside). node: its own clock, started after
#              load and tokenization. native: the time stamps of llama.cpp's log (-lv 4 --log-timestamps), from its
#              "system_info" line (model loaded, context made, warm-up decode done) to its perf report (tokenization,
#              the decodes and the JSON output to /dev/null inside; load_ms is the stamp of "system_info"); the
#              token count is that of its "prompt eval time ... tokens" line, and its decode-only time goes in the
#              run's decode_s.
#   incl. load tokens / (load + wall). egemma, node: load_ms + wall_s (JVM or node start not counted); native: the
#              whole process's wall clock.
#   peak RSS   egemma: its peak_rss_mib; node: process.resourceUsage().maxRSS; native: /usr/bin/time's maximum
#              resident set size (without /usr/bin/time: VmHWM of /proc/PID/status, polled every 0.1 s).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d' >&2; exit 2; }
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
model=$1
corpus=${2:-$root/testdata/corpus/corpus-1000.txt}
threads=${3:-2}
rounds=${4:-2}
[ -f "$model" ] || { echo "compare.sh: no model file $model" >&2; exit 2; }
[ -f "$corpus" ] || { echo "compare.sh: no corpus file $corpus" >&2; exit 2; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
model=$(abs "$model"); corpus=$(abs "$corpus")   # the node peer runs from its own directory
peer_dir=${EGEMMA_PEER_DIR:-${TMPDIR:-/tmp}/egemma-peer}
out=$(mktemp -d "${TMPDIR:-/tmp}/egemma-compare.XXXXXX")
trap 'rm -rf "$out"' EXIT
# A signal stops the running egemma or peer too (it is a foreground child: without this it kept running, and
# skewed the next measurement on the same cores). kill 0 signals this script's process group: its own job.
trap 'trap - INT TERM; kill 0; exit 130' INT TERM

# num KEY FILE: the number of "KEY": in a one-line JSON object
num() { sed -n "s/.*\"$1\": *\([-+0-9.eE]*\).*/\1/p" "$2" | head -n 1; }
# record TOOL JSON_FILE: one tab-separated line per run for the summary (tokens/s, incl. load, RSS, load, tokens)
record() {
  awk -v tool="$1" -v tok="$(num tokens "$2")" -v tps="$(num tokens_per_s "$2")" -v wall="$(num wall_s "$2")" \
      -v load="$(num load_ms "$2")" -v rss="$(num peak_rss_mib "$2")" -v incl="$(num tokens_per_s_incl_load "$2")" \
    'BEGIN { if (incl == "") incl = tok / (wall + load / 1000); printf "%s\t%s\t%.1f\t%s\t%s\t%s\n", tool, tps, incl, rss, load, tok }' \
    >> "$out/runs.tsv"
}

# Peer 1: node-llama-cpp from the npm registry only (its postinstall download is disabled).
node_peer=yes
if [ "${EGEMMA_NODE_PEER:-on}" = off ]; then
  node_peer=no; echo "compare.sh: EGEMMA_NODE_PEER=off: node-llama-cpp skipped" >&2
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  node_peer=no; echo "compare.sh: node/npm not found: node-llama-cpp skipped" >&2
elif [ ! -d "$peer_dir/node_modules/node-llama-cpp" ]; then
  echo "compare.sh: installing node-llama-cpp@3.22.1 into $peer_dir" >&2
  mkdir -p "$peer_dir"
  if ! (cd "$peer_dir" && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
        && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --no-audit --no-fund \
           node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >"$out/npm.log" 2>&1); then
    node_peer=no; echo "compare.sh: npm install failed (see below): node-llama-cpp skipped" >&2; tail -5 "$out/npm.log" >&2
  fi
fi
[ "$node_peer" = yes ] && cp "$here/llama-peer.mjs" "$peer_dir/llama-peer.mjs"

# Peer 2: the natively built llama-embedding.
native_peer=no
native=${EGEMMA_NATIVE_PEER:-}
if [ -z "$native" ]; then
  echo "compare.sh: EGEMMA_NATIVE_PEER unset: native llama.cpp skipped (build it with /work/shared/tools/llamacpp/build-native.sh)" >&2
elif [ ! -x "$native" ]; then
  echo "compare.sh: EGEMMA_NATIVE_PEER=$native is not an executable: native llama.cpp skipped" >&2
else
  native_peer=yes
  native_corpus=$corpus
  if grep -q '^$' "$corpus"; then   # llama-embedding embeds an empty line as a text; egemma skips it
    grep -v '^$' "$corpus" > "$out/corpus.txt"; native_corpus=$out/corpus.txt
  fi
  if [ -n "${EGEMMA_NATIVE_PEER_ARGS:-}" ]; then
    native_args=$EGEMMA_NATIVE_PEER_ARGS
  elif "$root/egemma" tokenize -m "$model" -i "$native_corpus" 2>"$out/tokenize.err" \
       | sed 's/.*"ids":\[//' | awk -F, '{ print ($0 ~ /^\]/) ? 0 : NF }' > "$out/lengths.txt" && [ -s "$out/lengths.txt" ]; then
    # B and N as llama-embedding packs texts: a batch is sent when the next text would overflow B tokens.
    native_args=$(awk '
      { n[NR] = $1; if ($1 > longest) longest = $1 }
      END {
        b = 128 * int((longest + 127) / 128); if (b < 128) b = 128
        for (i = 1; i <= NR; i++) { if (cur + n[i] > b) { cur = 0; s = 0 } cur += n[i]; s++; if (s > most) most = s }
        np = most > 4 ? most : 4
        printf "-c %d -b %d -ub %d -np %d -fa off", b, b, b, np
      }' "$out/lengths.txt")
  else
    echo "compare.sh: egemma tokenize failed, cannot size the native peer's batch (set EGEMMA_NATIVE_PEER_ARGS); skipped:" >&2
    tail -3 "$out/tokenize.err" >&2; native_peer=no
  fi
  [ "$native_peer" = yes ] && echo "compare.sh: native llama.cpp: $native -t $threads $native_args" >&2
fi
time_bin=
[ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null && time_bin=/usr/bin/time

# One native run: its stderr (llama.cpp's log) to native.err, "WALL_S MAXRSS_KB" to native.time.
run_native() {
  set -- "$native" -m "$model" -f "$native_corpus" -t "$threads" -lv 4 --log-timestamps --log-colors off
  if [ -n "$time_bin" ]; then
    # shellcheck disable=SC2086
    "$time_bin" -f '%e %M' -o "$out/native.time" "$@" $native_args --embd-output-format array >/dev/null 2>"$out/native.err"
  else
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    "$@" $native_args --embd-output-format array >/dev/null 2>"$out/native.err" &
    pid=$! hwm=0
    while kill -0 "$pid" 2>/dev/null; do
      h=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
      sleep 0.1
    done
    wait "$pid" || return $?
    echo "$(( ($(date +%s%N) - t0) / 1000000 )) $hwm" | awk '{ printf "%.3f %d\n", $1 / 1000, $2 }' > "$out/native.time"
  fi
}
# The native run's JSON line, with egemma bench's field names, from llama.cpp's log and the time file.
native_json() {
  read -r e2e rss_kb < "$out/native.time"
  awk -v e2e="$e2e" -v rss="$rss_kb" -v texts="$(grep -c '' "$native_corpus")" -v threads="$threads" -v args="$native_args" '
    function stamp(s,  a) { split(s, a, "."); return a[1] * 60 + a[2] + a[3] / 1000 + a[4] / 1e6 }   # m.ss.mmm.uuu
    / system_info: / && t0 == "" { t0 = stamp($1) }
    /llama_perf_context_print: / && t1 == "" { t1 = stamp($1) }
    /prompt eval time = / { sub(/.*prompt eval time = */, ""); decode_ms = $1 + 0; tokens = $4 + 0 }
    END {
      if (t0 == "" || t1 == "" || !tokens || t1 <= t0 || e2e <= 0) exit 1
      wall = t1 - t0
      printf "{\"peer\":\"llama.cpp llama-embedding (native build)\",\"load_ms\":%.1f,\"texts\":%d,\"tokens\":%d,", t0 * 1000, texts, tokens
      printf "\"wall_s\":%.6f,\"tokens_per_s\":%.1f,\"texts_per_s\":%.2f,\"decode_s\":%.6f,", wall, tokens / wall, texts / wall, decode_ms / 1000
      printf "\"process_wall_s\":%.2f,\"tokens_per_s_incl_load\":%.1f,", e2e, tokens / e2e
      printf "\"peak_rss_mib\":%.1f,\"threads\":%d,\"args\":\"%s\"}\n", rss / 1024, threads, args
    }' "$out/native.err"
}

i=1
while [ "$i" -le "$rounds" ]; do
  # shellcheck disable=SC2086
  if "$root/egemma" bench -m "$model" -i "$corpus" --threads "$threads" --json ${EGEMMA_BENCH_ARGS:-} >"$out/run.json" 2>"$out/egemma.err"; then
    tail -1 "$out/run.json" > "$out/line.json"; sed 's/^/egemma  /' "$out/line.json"; record egemma "$out/line.json"
  else
    echo "compare.sh: egemma bench failed:" >&2; cat "$out/egemma.err" >&2; exit 1
  fi
  if [ "$node_peer" = yes ]; then
    if (cd "$peer_dir" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true node llama-peer.mjs "$model" "$corpus" "$threads") >"$out/run.json" 2>"$out/peer.err"; then
      tail -1 "$out/run.json" > "$out/line.json"; sed 's/^/node    /' "$out/line.json"; record node "$out/line.json"
    else
      echo "compare.sh: node-llama-cpp failed (e.g. it cannot load this architecture); without it from here:" >&2
      tail -5 "$out/peer.err" >&2; node_peer=no
    fi
  fi
  if [ "$native_peer" = yes ]; then
    # llama-embedding logs a failed decode and goes on (exit 0): such a run is refused too.
    if run_native && ! grep -q 'failed to process' "$out/native.err" && native_json > "$out/line.json"; then
      sed 's/^/native  /' "$out/line.json"; record native "$out/line.json"
    else
      echo "compare.sh: native llama.cpp failed; without it from here:" >&2
      { grep -Ei 'error|failed|assert' "$out/native.err" || tail -5 "$out/native.err"; } | head -n 5 >&2; native_peer=no
    fi
  fi
  i=$((i + 1))
done

# Medians per tool (peak RSS: the largest run), then the ratios egemma/peer.
: > "$out/summary.tsv"
for tool in egemma node native; do
  grep "^$tool	" "$out/runs.tsv" > "$out/tool.tsv" || continue
  med() { cut -f "$1" "$out/tool.tsv" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  rss=$(cut -f 4 "$out/tool.tsv" | sort -n | tail -n 1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$(med 2)" "$(med 3)" "$rss" "$(med 5)" "$(head -n 1 "$out/tool.tsv" | cut -f 6)" >> "$out/summary.tsv"
done
awk -F'\t' '
  { name[NR] = $1; tps[$1] = $2; incl[$1] = $3; tok[$1] = $6
    printf "%-7s median: %.1f tokens/s (incl. load %.1f), peak RSS %.0f MiB, load %.0f ms, %d tokens\n", $1, $2, $3, $4, $5, $6 }
  END {
    peers = 0
    for (i = 1; i <= NR; i++) if ((p = name[i]) != "egemma") {
      peers++
      if (tok[p] != tok["egemma"]) printf "note: token counts differ (egemma %d, %s %d)\n", tok["egemma"], p, tok[p]
      printf "ratio egemma/%s (medians): %.2f tokens/s, %.2f incl. load\n", p, tps["egemma"] / tps[p], incl["egemma"] / incl[p]
    }
    if (!peers) print "no peer run: see docs/performance.md for the recorded llama.cpp figures (965 tokens/s on 2 threads with AMX)"
  }' "$out/summary.tsv"
[ -z "${EGEMMA_COMPARE_SUMMARY:-}" ] || cp "$out/summary.tsv" "$EGEMMA_COMPARE_SUMMARY"
