/**
 * Markdown tables from bench results, for the bench's printout and for README.md and
 * docs/engines.md, where they live between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers.
 *
 *   node dist/bench/tables.js [RESULTS.json]    # rewrite the marked tables from bench/results.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOutputAtomic } from '../src/io/files.js';
import { PROJECT_ROOT } from '../src/version.js';
import { RATIOS, ratioKey, type AttentionRow, type Column } from './attention.js';
import type { ChainResult, LatencyResult } from './chain.js';
import type { Fit } from './fits.js';
import type { OracleRow } from './oracles.js';
import { BENCH, fmt } from './util.js';

export function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

const LABEL: Record<Column, string> = {
  reference: 'reference',
  nativeF64: 'native f64',
  nativeF32: 'native f32',
  wasmF64: 'wasm f64',
  wasmF32: 'wasm f32',
  onnxF32: 'onnx f32',
  numpyF64: 'numpy f64',
  numpyF32: 'numpy f32',
  torchF64: 'torch f64',
  torchF32: 'torch f32',
};

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${Math.round(100 * x)} %`);

/** GFLOP/s and fraction of the same-dtype FMA peak measured in the same run. */
export function attentionTable(rows: AttentionRow[]): string {
  const cols: Column[] = ['nativeF64', 'wasmF64', 'numpyF64', 'torchF64', 'nativeF32', 'wasmF32', 'onnxF32', 'numpyF32', 'torchF32'];
  const cell = (r: AttentionRow, k: Column): string => (r.gflops[k] ? `${fmt(r.gflops[k], 1)} (${pct(r.fractionOfPeak[k])})` : '—');
  return table(
    ['(tokens, d)', 'FMA peak f64', ...cols.slice(0, 4).map((k) => LABEL[k]), 'FMA peak f32', ...cols.slice(4).map((k) => LABEL[k])],
    rows.map((r) => [r.name, fmt(r.peak.f64, 1), ...cols.slice(0, 4).map((k) => cell(r, k)), fmt(r.peak.f32, 1), ...cols.slice(4).map((k) => cell(r, k))]),
  );
}

/** The native engine per CPU-second against the FMA loop per CPU-second (AttentionRow.cpu). */
export function cpuTable(rows: AttentionRow[]): string {
  const cell = (r: AttentionRow, k: 'nativeF64' | 'nativeF32'): string =>
    r.cpu?.gflopPerCpuSecond[k] ? `${fmt(r.cpu.gflopPerCpuSecond[k], 1)} (${pct(r.cpu.fractionOfPeak[k])})` : '—';
  return table(
    ['(tokens, d)', 'FMA peak f64 / CPU-s', 'native f64 / CPU-s', 'FMA peak f32 / CPU-s', 'native f32 / CPU-s', 'CPU stolen'],
    rows.map((r) => [r.name, fmt(r.cpu?.peak.f64, 1), cell(r, 'nativeF64'), fmt(r.cpu?.peak.f32, 1), cell(r, 'nativeF32'), pct(r.stolen)]),
  );
}

export function ratioTable(rows: AttentionRow[]): string {
  return table(
    ['(tokens, d)', ...RATIOS.map(([a, b]) => `${LABEL[a]} / ${LABEL[b]}`)],
    rows.map((r) => [r.name, ...RATIOS.map(([a, b]) => (r.ratios[ratioKey(a, b)] ? `${fmt(r.ratios[ratioKey(a, b)], 2)}×` : '—'))]),
  );
}

export function msTable(rows: AttentionRow[]): string {
  const cols = Object.keys(LABEL) as Column[];
  return table(
    ['(tokens, d)', ...cols.map((k) => LABEL[k])],
    rows.map((r) => [r.name, ...cols.map((k) => fmt(r.ms[k], 1))]),
  );
}

export function oracleTable(rows: OracleRow[]): string {
  return table(
    ['oracle', 'instance', 'words', 'word ops', 'ms', 'word ops / s'],
    rows.map((r) => [r.problem, r.sizes, r.words, r.wordOps.toExponential(2), fmt(r.ms, 1), r.opsPerSecond.toExponential(2)]),
  );
}

export function chainTable(r: ChainResult): string {
  return table(
    ['files', 'engine', 'decided', 'SAT', 'agree with MiniSat', 'witness verified', 'total s', 'forward s', 'evaluate s', 'decode s', 'oracle s'],
    [
      [
        r.files,
        `${r.engine} ${r.dtype}`,
        r.decided,
        r.sat,
        r.agree,
        r.witnessVerified,
        fmt(r.totalSeconds, 1),
        ...['forward', 'evaluate', 'decode', 'oracle'].map((k) => fmt(r.stageSeconds[k], 2)),
      ],
    ],
  );
}

export function latencyTable(r: LatencyResult): string {
  return table(
    [
      'file',
      'engine',
      'wall ms',
      'CPU ms',
      'bare node wall / CPU ms',
      'start-up + exit ms',
      'chain (forward) ms',
      'evaluate ms',
      'warm evaluate ms',
      'evaluate / warm',
      'decode ms',
      'oracle ms',
    ],
    [
      [
        r.file,
        r.engine,
        fmt(r.wallMs, 0),
        fmt(r.cpuMs, 0),
        `${fmt(r.bareNodeMs, 0)} / ${fmt(r.bareNodeCpuMs, 0)}`,
        fmt(r.startupMs, 0),
        fmt(r.stagesMs.forward, 0),
        fmt(r.stagesMs.evaluate, 1),
        fmt(r.warmEvaluateMs, 1),
        `${fmt(r.evaluateOverWarm, 2)}×`,
        fmt(r.stagesMs.decode, 0),
        fmt(r.stagesMs.oracle, 0),
      ],
    ],
  );
}

export function fitTable(fits: { tokens: Fit; lh: Fit }): string {
  const row = (name: string, f: Fit): string[] => [
    name,
    f.points.map((p) => `${p.x}: ${fmt(p.ms, 1)}`).join(', '),
    `${f.slope.toFixed(3)} ± ${f.slopeStdErr.toFixed(3)}`,
    `${f.expected} ± ${f.tolerance}`,
    f.verdict,
  ];
  return table(
    ['sweep', 'points (x: ms)', 'fitted exponent', 'expected', 'verdict'],
    [row('tokens (L·H = 4)', fits.tokens), row(`L·H (n = ${fits.lh.points[0]?.tokens})`, fits.lh)],
  );
}

export interface BenchResults {
  attention?: { rows: AttentionRow[]; peers?: Record<string, unknown>; note?: string };
  oracles?: OracleRow[];
  chain?: ChainResult | null;
  latency?: LatencyResult | null;
  fits?: { tokens: Fit; lh: Fit };
}

/** Every table the results hold, by marker name. */
export function tablesOf(r: BenchResults): Record<string, string> {
  const t: Record<string, string> = {};
  if (r.attention) {
    t.attention = attentionTable(r.attention.rows);
    t.ratios = ratioTable(r.attention.rows);
    if (r.attention.rows.every((row) => row.cpu !== undefined)) t['attention-cpu'] = cpuTable(r.attention.rows);
    t['attention-ms'] = msTable(r.attention.rows);
  }
  if (r.oracles) t.oracles = oracleTable(r.oracles);
  if (r.chain) t.chain = chainTable(r.chain);
  if (r.latency) t.latency = latencyTable(r.latency);
  if (r.fits) t.fits = fitTable(r.fits);
  return t;
}

/** Replace each `<!-- bench:NAME -->…<!-- /bench:NAME -->` block of `text` with the table NAME. */
export function fillMarkers(text: string, tables: Record<string, string>): string {
  return text.replace(/<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench:\1 -->/g, (block, name: string) =>
    tables[name] === undefined ? block : `<!-- bench:${name} -->\n${tables[name]}\n<!-- /bench:${name} -->`,
  );
}

/** Rewrite the marked tables of README.md and docs/engines.md from a results file. */
export function regenerateDocs(resultsFile = join(BENCH, 'results.json')): string[] {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  const tables = tablesOf(results);
  const changed: string[] = [];
  for (const doc of [join(PROJECT_ROOT, 'README.md'), join(PROJECT_ROOT, 'docs', 'engines.md')]) {
    const before = readFileSync(doc, 'utf8');
    const after = fillMarkers(before, tables);
    if (after !== before) {
      writeOutputAtomic(doc, after);
      changed.push(doc);
    }
  }
  return changed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const changed = regenerateDocs(process.argv[2]);
  console.log(changed.length ? `updated ${changed.join(', ')}` : 'tables already up to date');
}
