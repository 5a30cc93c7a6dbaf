#!/usr/bin/env python3
"""Compare egemma's embeddings with llama.cpp's, text by text (plain Python, no numpy).

usage: compare-embeddings.py LLAMA.json EGEMMA.jsonl [--tokens TOKENS.jsonl] [--max-abs 5e-3] [--min-cos 0.9998]
                             [--label NAME] [--json OUT.json] [--rows]

LLAMA.json: the output of tools/llamacpp/embed.mjs (items[] with index, text, tokens_parse_special, embedding =
L2-normalized). EGEMMA.jsonl: `egemma embed --format jsonl` ({"index": i, "embedding": [...]} per line, normalized),
or a second embed.mjs JSON (to compare two llama.cpp runs). Texts are matched by index (input order).
TOKENS.jsonl (optional): `egemma tokenize` output for the same texts; checked against llama.cpp's token ids.
Prints per file: worst and median max abs and cosine, and the texts outside the bounds with their token counts.
"""
import argparse, json, math, sys


def load_vectors(path):
    """egemma jsonl ({"index", "embedding"} per line) or an embed.mjs JSON (items[])."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        o = json.loads(text)
        if isinstance(o, dict) and "items" in o:
            return {it["index"]: it["embedding"] for it in o["items"]}
        if isinstance(o, list):  # egemma --format json
            return {it["index"]: it["embedding"] for it in o}
    except json.JSONDecodeError:
        pass
    out = {}
    for line in text.splitlines():
        if line.strip():
            o = json.loads(line)
            out[o["index"]] = o["embedding"]
    return out


def median(xs):
    s = sorted(xs); n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("llama"); ap.add_argument("egemma")
    ap.add_argument("--tokens"); ap.add_argument("--label")
    ap.add_argument("--max-abs", type=float, default=5e-3)
    ap.add_argument("--min-cos", type=float, default=0.9998)
    ap.add_argument("--json"); ap.add_argument("--rows", action="store_true")
    a = ap.parse_args()

    ref = json.load(open(a.llama, encoding="utf-8"))
    items = {it["index"]: it for it in ref["items"]}
    got = load_vectors(a.egemma)
    toks = None
    if a.tokens:
        toks = [json.loads(l)["ids"] for l in open(a.tokens, encoding="utf-8") if l.strip()]

    rows = []
    for i in sorted(items):
        it = items[i]
        if i not in got:
            rows.append({"i": i, "ntok": len(it["tokens_parse_special"]), "missing": True}); continue
        x, y = it["embedding"], got[i]
        if len(x) != len(y):
            sys.exit(f"text {i}: length {len(x)} vs {len(y)}")
        m = max(abs(p - q) for p, q in zip(x, y))
        d = sum(p * q for p, q in zip(x, y))
        nx = math.sqrt(sum(p * p for p in x)); ny = math.sqrt(sum(q * q for q in y))
        cos = d / (nx * ny) if nx and ny else float("nan")
        r = {"i": i, "ntok": len(it["tokens_parse_special"]), "max_abs": m, "cos": cos}
        if toks is not None:
            r["tokens_eq"] = toks[i] == it["tokens_parse_special"]
        r["over"] = m > a.max_abs or not cos >= a.min_cos
        rows.append(r)
    extra = sorted(set(got) - set(items))

    ok = [r for r in rows if "max_abs" in r]
    worst_abs = max(ok, key=lambda r: r["max_abs"])
    worst_cos = min(ok, key=lambda r: r["cos"])
    over = [r for r in ok if r["over"]]
    summary = {
        "label": a.label or a.egemma, "texts": len(rows), "compared": len(ok),
        "missing": [r["i"] for r in rows if "missing" in r], "extra_in_egemma": extra,
        "max_abs_worst": worst_abs["max_abs"], "max_abs_worst_text": worst_abs["i"],
        "max_abs_median": median([r["max_abs"] for r in ok]),
        "cos_worst": worst_cos["cos"], "cos_worst_text": worst_cos["i"],
        "cos_median": median([r["cos"] for r in ok]),
        "over_bounds": len(over),
        "over_list": [{"i": r["i"], "ntok": r["ntok"], "max_abs": r["max_abs"], "cos": r["cos"]} for r in over],
    }
    if toks is not None:
        summary["token_mismatches"] = [r["i"] for r in ok if not r["tokens_eq"]]
    print(f"{summary['label']}: {len(ok)}/{len(rows)} texts; max abs worst {summary['max_abs_worst']:.3e} "
          f"(text {worst_abs['i']}, {worst_abs['ntok']} tok) median {summary['max_abs_median']:.3e}; "
          f"cos worst {summary['cos_worst']:.7f} (text {worst_cos['i']}, {worst_cos['ntok']} tok) "
          f"median {summary['cos_median']:.7f}; over bounds {len(over)}"
          + (f"; token mismatches {summary['token_mismatches']}" if toks is not None else ""))
    for r in over:
        print(f"  over: text {r['i']} ({r['ntok']} tokens) max abs {r['max_abs']:.3e} cos {r['cos']:.7f}")
    if a.rows:
        for r in ok:
            print(f"  {r['i']:3d} {r['ntok']:5d} {r['max_abs']:.3e} {r['cos']:.7f}{'  OVER' if r['over'] else ''}")
    if a.json:
        json.dump({"summary": summary, "rows": rows}, open(a.json, "w"), indent=1)
    return 1 if over or summary["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
