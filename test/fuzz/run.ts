/**
 * `npm run fuzz -- --cases 100000 --seed S`: the full fuzz volume, a table per reader (markdown),
 * exit 1 when any reader had a crash, a hang or an implausible accept (the failing inputs are
 * printed in base64).
 */
import { formatTable, runFuzz } from './harness.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

const cases = arg('cases', 10_000);
const seed = arg('seed', 0);
const t0 = performance.now();
const rows = runFuzz({ cases, seed, limitMs: arg('limit-ms', 1000) });
process.stdout.write(`fuzz: ${cases} cases per reader, seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n\n${formatTable(rows)}\n`);
let bad = 0;
for (const r of rows) {
  for (const f of r.failures) process.stdout.write(`\n${r.reader}: ${f.detail}\n  input (base64): ${f.input}\n`);
  bad += r.crash + r.hang + r.implausible;
}
process.exitCode = bad > 0 ? 1 : 0;
