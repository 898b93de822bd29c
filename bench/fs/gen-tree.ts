/**
 * Generates the benchmark tree, reproducibly (seeded): FILES files spread over DIRS directories
 * nested three levels deep, a third of them *.log, mtimes spread evenly over the last two weeks.
 *
 *   bun bench/fs/gen-tree.ts OUT_DIR [--files 200000] [--dirs 2000] [--seed 42]
 *
 * Ages are relative to a fixed reference time passed with --now (default: now), so "older than
 * 7 days" selects about half of the logs.
 */
import { closeSync, mkdirSync, openSync, utimesSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    files: { type: "string", default: "200000" },
    dirs: { type: "string", default: "2000" },
    seed: { type: "string", default: "42" },
    now: { type: "string" },
  },
  allowPositionals: true,
});
const out = positionals[0];
if (!out) {
  console.error("usage: gen-tree.ts OUT_DIR [--files N] [--dirs N] [--seed N]");
  process.exit(2);
}
const fileCount = Number(values.files);
const dirCount = Number(values.dirs);
const now = values.now ? Number(values.now) : Math.floor(Date.now() / 1000);

/** mulberry32: small, fast, good enough for reproducible test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(values.seed));

// Directories: a three-level tree (a/b/c) so the walk has depth, not one flat fan-out.
const fanout = Math.max(2, Math.ceil(Math.cbrt(dirCount)));
const dirs: string[] = [];
for (let i = 0; dirs.length < dirCount; i++) {
  const a = Math.floor(i / (fanout * fanout));
  const b = Math.floor(i / fanout) % fanout;
  const c = i % fanout;
  dirs.push(join(out, `svc-${a}`, `part-${b}`, `node-${c}`));
}
for (const dir of dirs) mkdirSync(dir, { recursive: true });

const others = [".txt", ".json", ".gz", ".csv"];
const filler = Buffer.alloc(4096, "x");
const twoWeeks = 14 * 86400;
let logs = 0;
for (let i = 0; i < fileCount; i++) {
  const dir = dirs[i % dirCount] as string;
  const isLog = i % 3 === 0;
  if (isLog) logs++;
  const ext = isLog ? ".log" : (others[Math.floor(random() * others.length)] as string);
  const path = join(dir, `f${i}${ext}`);
  const fd = openSync(path, "w");
  const size = Math.floor(random() * 2048);
  if (size > 0) writeSync(fd, filler, 0, size);
  closeSync(fd);
  const mtime = now - Math.floor(random() * twoWeeks);
  utimesSync(path, mtime, mtime);
}
console.error(`gen-tree: ${fileCount} files (${logs} *.log) in ${dirCount} dirs under ${out}`);
