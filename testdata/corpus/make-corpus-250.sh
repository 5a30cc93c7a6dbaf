#!/bin/sh
# Builds corpus-250.txt: consecutive lines of corpus-1000.txt joined with a space into texts of about 250 tokens
# (BOS and EOS included), one text per line. A text is closed when adding the next line would take it further
# from 250 tokens than stopping (token counts of the lines as egemma tokenizes them, summed); a last remnant under
# 200 tokens is dropped.
# usage (repo root): testdata/corpus/make-corpus-250.sh > testdata/corpus/corpus-250.txt
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$root/testdata/corpus/corpus-1000.txt}
counts=$(mktemp); trap 'rm -f "$counts"' EXIT
"$root/egemma" tokenize --no-special -m "$root/testdata/embeddinggemma-vocab.gguf" -i "$src" 2>/dev/null \
  | sed 's/.*"ids":\[//' | awk -F, '{ print ($0 ~ /^\]/) ? 0 : NF }' > "$counts"
awk -v target=250 '
  NR == FNR { n[FNR] = $1; next }
  {
    if (len > 0 && (len + n[FNR] - target > target - len)) { print text; text = ""; len = 0 }
    text = (len > 0 ? text " " : "") $0; len += (len > 0 ? 0 : 2) + n[FNR]
  }
  END { if (len >= 200) print text }' "$counts" "$src"
