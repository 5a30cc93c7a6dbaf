#!/bin/sh
# Side-by-side throughput of egemma and llama.cpp (npm node-llama-cpp@3.22.1, prebuilt CPU library) on the same
# model, corpus and thread count. Runs alternate (egemma, peer, egemma, peer, ...) because shared machines are
# noisy; prints every run, the medians and the ratio egemma/peer of tokens/s.
#
# usage: java/egemma-bench/peer/compare.sh MODEL.gguf [CORPUS.txt] [THREADS] [ROUNDS]
#   CORPUS  default testdata/corpus/corpus-1000.txt      THREADS default 2      ROUNDS default 2
# env: EGEMMA_BENCH_ARGS  extra egemma bench options (e.g. "--backend native --max-batch-tokens 2048")
#      EGEMMA_PEER_DIR    scratch directory for the npm install (default ${TMPDIR:-/tmp}/egemma-peer)
# Note: egemma's wall time includes tokenization; the peer tokenizes before starting its clock.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
model=$1
corpus=${2:-$root/testdata/corpus/corpus-1000.txt}
threads=${3:-2}
rounds=${4:-2}
[ -f "$model" ] || { echo "compare.sh: no model file $model" >&2; exit 2; }
[ -f "$corpus" ] || { echo "compare.sh: no corpus file $corpus" >&2; exit 2; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
model=$(abs "$model"); corpus=$(abs "$corpus")   # the peer runs from its own directory
peer_dir=${EGEMMA_PEER_DIR:-${TMPDIR:-/tmp}/egemma-peer}
out=$(mktemp -d "${TMPDIR:-/tmp}/egemma-compare.XXXXXX")
trap 'rm -rf "$out"' EXIT
# A signal stops the running egemma or peer too (it is a foreground child: without this it kept running, and
# skewed the next measurement on the same cores). kill 0 signals this script's process group: its own job.
trap 'trap - INT TERM; kill 0; exit 130' INT TERM

# The peer: node-llama-cpp from the npm registry only (its postinstall download is disabled).
peer=yes
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  peer=no; echo "compare.sh: node/npm not found: running egemma only" >&2
elif [ ! -d "$peer_dir/node_modules/node-llama-cpp" ]; then
  echo "compare.sh: installing node-llama-cpp@3.22.1 into $peer_dir" >&2
  mkdir -p "$peer_dir"
  if ! (cd "$peer_dir" && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
        && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --no-audit --no-fund \
           node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >"$out/npm.log" 2>&1); then
    peer=no; echo "compare.sh: npm install failed (see below): running egemma only" >&2; tail -5 "$out/npm.log" >&2
  fi
fi
[ "$peer" = yes ] && cp "$here/llama-peer.mjs" "$peer_dir/llama-peer.mjs"

i=1
while [ "$i" -le "$rounds" ]; do
  # shellcheck disable=SC2086
  if "$root/egemma" bench -m "$model" -i "$corpus" --threads "$threads" --json ${EGEMMA_BENCH_ARGS:-} >"$out/run.json" 2>"$out/egemma.err"; then
    tail -1 "$out/run.json" | tee -a "$out/egemma.jsonl" | sed 's/^/egemma  /'
  else
    echo "compare.sh: egemma bench failed:" >&2; cat "$out/egemma.err" >&2; exit 1
  fi
  if [ "$peer" = yes ]; then
    if (cd "$peer_dir" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true node llama-peer.mjs "$model" "$corpus" "$threads") >"$out/run.json" 2>"$out/peer.err"; then
      tail -1 "$out/run.json" | tee -a "$out/peer.jsonl" | sed 's/^/peer    /'
    else
      echo "compare.sh: the peer failed (e.g. it cannot load this architecture); egemma only from here:" >&2
      tail -5 "$out/peer.err" >&2; peer=no
    fi
  fi
  i=$((i + 1))
done

if command -v node >/dev/null 2>&1; then
  node -e '
    const fs = require("fs");
    const read = (f) => fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse) : [];
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
    const e = read(process.argv[1]), p = read(process.argv[2]);
    const show = (name, rs) => rs.length && console.log(`${name} median: ${median(rs.map(r => r.tokens_per_s)).toFixed(1)} tokens/s, `
      + `${median(rs.map(r => r.texts_per_s)).toFixed(2)} texts/s, peak RSS ${Math.max(...rs.map(r => r.peak_rss_mib)).toFixed(0)} MiB, `
      + `load ${median(rs.map(r => r.load_ms)).toFixed(0)} ms, ${rs[0].tokens} tokens`);
    show("egemma", e); show("peer  ", p);
    if (e.length && p.length) {
      if (e[0].tokens !== p[0].tokens) console.log(`note: token counts differ (egemma ${e[0].tokens}, peer ${p[0].tokens})`);
      console.log(`ratio egemma/peer (tokens/s, medians): ${(median(e.map(r => r.tokens_per_s)) / median(p.map(r => r.tokens_per_s))).toFixed(2)}`);
    } else {
      console.log("no peer run: see docs/performance.md for the recorded llama.cpp figures (965 tokens/s on 2 threads with AMX)");
    }' "$out/egemma.jsonl" "$out/peer.jsonl"
fi
