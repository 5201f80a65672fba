/**
 * `npm run fuzz -- --cases 100000 --seed S [--reader NAME]…`: the full fuzz volume, a table per reader (markdown),
 * exit 1 when any reader had a crash, a hang or an implausible accept (the failing inputs are
 * printed in base64).
 */
import { READERS, formatTable, runFuzz } from './harness.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

const cases = arg('cases', 10_000);
const seed = arg('seed', 0);
// `--reader npy` (repeatable) runs only the named readers; default all.
const only = process.argv.flatMap((a, i) => (a === '--reader' ? [process.argv[i + 1] ?? ''] : []));
const unknown = only.filter((n) => !READERS.some((r) => r.name === n));
if (unknown.length > 0) throw new Error(`unknown --reader ${unknown.join(', ')}; readers: ${READERS.map((r) => r.name).join(', ')}`);
const readers = only.length > 0 ? READERS.filter((r) => only.includes(r.name)) : READERS;
const t0 = performance.now();
const rows = runFuzz({ cases, seed, limitMs: arg('limit-ms', 1000), readers });
process.stdout.write(`fuzz: ${cases} cases per reader, seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n\n${formatTable(rows)}\n`);
let bad = 0;
for (const r of rows) {
  for (const f of r.failures) process.stdout.write(`\n${r.reader}: ${f.detail}\n  input (base64): ${f.input}\n`);
  bad += r.crash + r.hang + r.implausible;
}
process.exitCode = bad > 0 ? 1 : 0;
