// llama.cpp peer for egemma's benchmarks: embeds a corpus with node-llama-cpp's prebuilt CPU library
// (from the npm registry, nothing downloaded elsewhere) and prints one JSON line with the same field
// names as `egemma bench --json`.
// Usage: node llama-peer.mjs MODEL.gguf CORPUS.txt THREADS [--dump N]
import { getLlama } from "node-llama-cpp";
import { readFileSync } from "node:fs";

const [modelPath, corpusPath, threadsArg, dumpFlag, dumpCount] = process.argv.slice(2);
if (!modelPath || !corpusPath) {
  console.error("usage: node llama-peer.mjs MODEL.gguf CORPUS.txt THREADS [--dump N]");
  process.exit(2);
}
const threads = Number(threadsArg ?? 2);
const texts = readFileSync(corpusPath, "utf8").split("\n").filter((l) => l.length > 0);

const t0 = performance.now();
const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, logLevel: "error" });
const model = await llama.loadModel({ modelPath, defaultContextFlashAttention: "auto" });
const ctx = await model.createEmbeddingContext({ contextSize: 2048, batchSize: 2048, threads });
const loadMs = performance.now() - t0;

const bos = model.tokens.bos, eos = model.tokens.eos;
const tokenized = texts.map((t) => [bos, ...model.tokenize(t, true), eos]);
let tokens = 0;
const dump = dumpFlag === "--dump" ? Number(dumpCount ?? 3) : 0;
const t1 = performance.now();
for (let i = 0; i < tokenized.length; i++) {
  const e = await ctx.getEmbeddingFor(tokenized[i]);
  tokens += tokenized[i].length;
  if (i < dump) console.error(JSON.stringify({ index: i, tokens: tokenized[i], embedding: Array.from(e.vector) }));
}
const wall = (performance.now() - t1) / 1000;
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
  peer: "llama.cpp via node-llama-cpp", load_ms: Math.round(loadMs), texts: texts.length, tokens,
  wall_s: wall, tokens_per_s: tokens / wall, texts_per_s: texts.length / wall, peak_rss_mib: rssMiB, threads,
}));
await ctx.dispose();
await model.dispose();
