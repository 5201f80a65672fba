/**
 * `npm run bench`: engine throughput against numpy, the whole SETH chain on SATLIB uf20-91, the
 * fitted exponents of time against tokens and against L·H, and the brute-force oracles' speed.
 * Prints markdown tables and writes bench/results.json and bench/exponent-*.svg (a --quick or --only
 * run writes them to bench/partial/ instead).
 *
 *   node dist/bench/run.js [--quick] [--only attention,oracle,chain,fit] [--runs R]
 *
 * Timings are medians of R (default 7, at least 5) runs after one warm-up. Never a unit test.
 */
import { REDUCTIONS } from '../reductions/index.js';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { threeOvToTransformer } from '../reductions/3ov-to-transformer.js';
import { checkDecision } from '../src/check/run.js';
import { attend } from '../src/engine/reference.js';
import { createWasmEngine, type WasmEngine } from '../src/engine/wasm.js';
import type { AttentionBatch, AttentionHead, PreparedAttention } from '../src/engine/types.js';
import { findGenerator } from '../src/generators/index.js';
import { writeOutputAtomic } from '../src/io/files.js';
import { loadInstance } from '../src/io/instance-file.js';
import { countOrthogonalPairs, ovPairWordOps } from '../src/oracles/ov-brute.js';
import { countOrthogonalTriples, threeOvTripleWordOps } from '../src/oracles/three-ov-brute.js';
import type { OvInstance } from '../src/problems/ov.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { makeRng, type Rng } from '../src/rng.js';
import { PROJECT_ROOT, TOOL_NAME, TOOL_VERSION } from '../src/version.js';

const BENCH = join(PROJECT_ROOT, 'bench');
const TMP = join(BENCH, 'tmp');
const SEED = 20240611;

interface Args {
  quick: boolean;
  runs: number;
  only: Set<string>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runs: 7, only: new Set(['attention', 'oracle', 'chain', 'fit']) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--runs') args.runs = Math.max(5, Number(argv[++i]));
    else if (a === '--only') args.only = new Set(String(argv[++i]).split(','));
    else throw new Error(`unknown argument ${a}; expected --quick, --runs R, --only attention,oracle,chain,fit`);
  }
  return args;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

async function timeRuns(runs: number, fn: () => unknown): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function uniform(rng: Rng, k: number): Float64Array {
  return Float64Array.from({ length: k }, () => 2 * rng.next() - 1);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

// ---------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------

interface NumpyInfo {
  python: string;
  numpy: string;
}

function numpyInfo(): NumpyInfo | null {
  const r = spawnSync('python3', ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [python, numpy] = r.stdout.trim().split(' ');
  return { python: python ?? '?', numpy: numpy ?? '?' };
}

function machine(engine: WasmEngine, np: NumpyInfo | null): Record<string, string | number> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const f = /^flags\s*:(.*)$/m.exec(info)?.[1] ?? '';
    flags = ['avx2', 'fma', 'avx512f'].filter((x) => f.split(' ').includes(x)).join(' ');
  } catch {
    // not Linux
  }
  return {
    cpu,
    cpuFlags: flags,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    wasmKernel: engine.variant === 'relaxed' ? 'relaxed SIMD (FMA)' : 'SIMD (no FMA)',
    wasmThreads: engine.threads,
    python: np?.python ?? 'absent',
    numpy: np?.numpy ?? 'absent',
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Exact attention: reference, wasm f64, wasm f32, numpy f64/f32
// ---------------------------------------------------------------------------------------------

interface AttentionCase {
  name: string;
  tokens: number;
  dim: number;
  heads: number;
}

interface AttentionRow {
  name: string;
  tokens: number;
  dim: number;
  heads: number;
  gflop: number;
  ms: Record<string, number | null>;
  gflops: Record<string, number | null>;
  ratioToNumpy: { wasmF64: number | null; wasmF32: number | null; onnxF32: number | null };
  maxAbsErrVsReference: Record<string, number | null>;
}

async function benchAttention(args: Args, f64: WasmEngine, f32: WasmEngine, np: NumpyInfo | null): Promise<{ rows: AttentionRow[]; numpyBlas: string | null }> {
  const cases: AttentionCase[] = [
    { name: '(1024, 64)', tokens: 1024, dim: 64, heads: 1 },
    { name: '(2048, 96)', tokens: 2048, dim: 96, heads: 1 },
    { name: '(4096, 64)', tokens: 4096, dim: 64, heads: 1 },
    { name: '8 heads × (1024, 64)', tokens: 1024, dim: 64, heads: 8 },
  ].slice(0, args.quick ? 1 : 4);
  const rng = makeRng(SEED);
  const inputs = cases.map((c) =>
    Array.from({ length: c.heads }, (): AttentionHead => ({ Q: uniform(rng, c.tokens * c.dim), K: uniform(rng, c.tokens * c.dim), V: uniform(rng, c.tokens * c.dim) })),
  );
  const scaleOf = (c: AttentionCase): number => 1 / Math.sqrt(c.dim);

  // numpy in its own process on the same inputs, its runs interleaved with ours (same load).
  let server: NumpyServer | null = null;
  const numpyOut: (Float64Array | null)[] = cases.map(() => null);
  const outputs: string[] = [];
  if (np) {
    mkdirSync(TMP, { recursive: true });
    const spec = {
      runs: args.runs,
      cases: cases.map((c, i) => {
        const input = join(TMP, `attention-${i}.f64`);
        const buf = new Float64Array(c.heads * 3 * c.tokens * c.dim);
        inputs[i]!.forEach((h, t) => [h.Q, h.K, h.V].forEach((M, j) => buf.set(M, (3 * t + j) * c.tokens * c.dim)));
        writeFileSync(input, new Uint8Array(buf.buffer));
        outputs.push(join(TMP, `attention-${i}.out.f64`));
        return { name: c.name, tokens: c.tokens, dim: c.dim, heads: c.heads, scale: scaleOf(c), input, output: outputs[i]! };
      }),
    };
    const specFile = join(TMP, 'numpy-spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    console.error('numpy: loading inputs …');
    server = await NumpyServer.start(specFile);
    if (server) {
      outputs.forEach((f, i) => {
        const bytes = readFileSync(f);
        numpyOut[i] = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      });
    }
  }

  const rows: AttentionRow[] = [];
  try {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const heads = inputs[i]!;
      const scale = scaleOf(c);
      const gflop = (4 * c.tokens * c.tokens * c.dim * c.heads) / 1e9;
      console.error(`attention ${c.name}: reference …`);
      let refOut: Float64Array[] = [];
      const refMs = median(
        await timeRuns(Math.min(args.runs, 5), () => {
          refOut = heads.map((h) => attend(h.Q, h.K, h.V, c.tokens, c.tokens, c.dim, c.dim, scale));
        }),
      );
      console.error(`attention ${c.name}: wasm and numpy, interleaved …`);
      const p64 = f64.prepareAttention({ tokens: c.tokens, dim: c.dim, scale, heads });
      const p32 = f32.prepareAttention({ tokens: c.tokens, dim: c.dim, scale, heads });
      // onnxruntime (optional dependency): the same batch as one ONNX graph, f32.
      const pOnnx = await prepareOnnx({ tokens: c.tokens, dim: c.dim, scale, heads });
      const samples: Record<string, number[]> = { wasmF64: [], wasmF32: [], numpyF64: [], numpyF32: [], onnxF32: [] };
      const timed = async (fn: () => Promise<void>): Promise<number> => {
        const t0 = performance.now();
        await fn();
        return performance.now() - t0;
      };
      await p64.run(); // warm-up
      const out64 = p64.read();
      await p32.run();
      const out32 = p32.read();
      await pOnnx?.run();
      const outOnnx = pOnnx?.read();
      // OpenBLAS's threads spin for a while after each call before they sleep (about 2^28 cycles
      // by default); let them settle so that they do not steal the cores from the next wasm run.
      const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250));
      for (let r = 0; r < args.runs; r++) {
        if (server) {
          samples.numpyF64!.push(await server.time(i, 'f64'));
          await settle();
        }
        samples.wasmF64!.push(await timed(() => p64.run()));
        if (server) {
          samples.numpyF32!.push(await server.time(i, 'f32'));
          await settle();
        }
        samples.wasmF32!.push(await timed(() => p32.run()));
        if (pOnnx) samples.onnxF32!.push(await timed(() => pOnnx.run()));
      }
      await pOnnx?.release?.();
      const ms: Record<string, number | null> = { reference: refMs };
      for (const [k, v] of Object.entries(samples)) ms[k] = v.length ? median(v) : null;
      const err: Record<string, number | null> = {
        wasmF64: Math.max(...out64.map((o, t) => maxAbsDiff(o, refOut[t]!))),
        wasmF32: Math.max(...out32.map((o, t) => maxAbsDiff(o, refOut[t]!))),
        onnxF32: outOnnx ? Math.max(...outOnnx.map((o, t) => maxAbsDiff(Float64Array.from(o), refOut[t]!))) : null,
      };
      const npOut = numpyOut[i];
      if (npOut) {
        let e = 0;
        refOut.forEach((o, t) => (e = Math.max(e, maxAbsDiff(npOut.subarray(t * o.length, (t + 1) * o.length), o))));
        err.numpyF64 = e;
      } else err.numpyF64 = null;
      const gflops: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(ms)) gflops[k] = v === null ? null : gflop / (v / 1e3);
      const ratio = (a: string, b: string): number | null => (gflops[a] && gflops[b] ? gflops[a]! / gflops[b]! : null);
      rows.push({
        name: c.name,
        tokens: c.tokens,
        dim: c.dim,
        heads: c.heads,
        gflop,
        ms,
        gflops,
        ratioToNumpy: { wasmF64: ratio('wasmF64', 'numpyF64'), wasmF32: ratio('wasmF32', 'numpyF32'), onnxF32: ratio('onnxF32', 'numpyF32') },
        maxAbsErrVsReference: err,
      });
    }
  } finally {
    server?.close();
  }
  return { rows, numpyBlas: server?.blas ?? null };
}

/** The onnxruntime engine's attention batch, or null (with a note) when onnxruntime-node is not installed. */
async function prepareOnnx(batch: AttentionBatch): Promise<PreparedAttention | null> {
  try {
    const { prepareOnnxAttention } = await import('../src/engine/onnx.js');
    return await prepareOnnxAttention(batch, 'f32');
  } catch (e) {
    console.error(`onnx: skipped (${(e as Error).message.split('\n')[0]})`);
    return null;
  }
}

/** bench/numpy_attention.py --serve: one timed numpy run per request. */
class NumpyServer {
  private readonly waiting: ((line: string) => void)[] = [];
  blas = '';
  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  static async start(specFile: string): Promise<NumpyServer | null> {
    const proc = spawn('python3', [join(BENCH, 'numpy_attention.py'), '--serve', specFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new NumpyServer(proc);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string | null>((resolve) => {
      server.waiting.push(resolve);
      proc.once('exit', () => resolve(null));
    });
    if (first === null) {
      console.error(`numpy bench failed: ${stderr.trim().split('\n').pop() ?? ''}`);
      return null;
    }
    server.blas = (JSON.parse(first) as { blas: string }).blas;
    return server;
  }

  time(caseIndex: number, dtype: 'f64' | 'f32'): Promise<number> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve((JSON.parse(line) as { ms: number }).ms));
      this.proc.stdin.write(JSON.stringify({ case: caseIndex, dtype }) + '\n');
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}

function attentionTable(rows: AttentionRow[]): string {
  const cell = (r: AttentionRow, k: string): string => `${fmt(r.ms[k], 1)} ms · ${fmt(r.gflops[k], 1)}`;
  return table(
    ['(tokens, d)', 'reference', 'wasm f64', 'wasm f32', 'onnx f32', 'numpy f64', 'numpy f32', 'wasm f64 / numpy f64', 'wasm f32 / numpy f32', 'onnx f32 / numpy f32'],
    rows.map((r) => [
      r.name,
      cell(r, 'reference'),
      cell(r, 'wasmF64'),
      cell(r, 'wasmF32'),
      cell(r, 'onnxF32'),
      cell(r, 'numpyF64'),
      cell(r, 'numpyF32'),
      `${fmt(r.ratioToNumpy.wasmF64, 2)}×`,
      `${fmt(r.ratioToNumpy.wasmF32, 2)}×`,
      `${fmt(r.ratioToNumpy.onnxF32, 2)}×`,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Brute-force oracles: word operations per second on one core
// ---------------------------------------------------------------------------------------------

interface OracleRow {
  problem: string;
  sizes: string;
  words: number;
  wordOps: number;
  ms: number;
  opsPerSecond: number;
}

async function benchOracles(args: Args): Promise<OracleRow[]> {
  const rows: OracleRow[] = [];
  const ov = findGenerator('ov')!;
  const three = findGenerator('3ov')!;
  const N = args.quick ? 2048 : 8192;
  for (const dim of [32, 64, 128]) {
    const inst = ov.generate({ size: N, sizeB: N, dim, density: 0.5, plant: false, no: false }, makeRng(SEED + dim), 'bench').data as OvInstance;
    const ops = ovPairWordOps(inst);
    const ms = median(await timeRuns(args.runs, () => countOrthogonalPairs(inst)));
    rows.push({ problem: 'OV (count all pairs)', sizes: `${N} × ${N}, d = ${dim}`, words: inst.A.words, wordOps: ops, ms, opsPerSecond: ops / (ms / 1e3) });
  }
  const n3 = args.quick ? 256 : 512;
  for (const dim of [32, 64]) {
    const inst = three.generate({ size: n3, sizeB: n3, sizeC: n3, dim, density: 0.9, plant: false, no: false }, makeRng(SEED + 3 * dim), 'bench').data as ThreeOvInstance;
    const ops = threeOvTripleWordOps(inst);
    const ms = median(await timeRuns(Math.min(args.runs, 5), () => countOrthogonalTriples(inst)));
    rows.push({ problem: '3-OV (count all triples)', sizes: `${n3} × ${n3} × ${n3}, d = ${dim}`, words: inst.A.words, wordOps: ops, ms, opsPerSecond: ops / (ms / 1e3) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 3. The whole chain on SATLIB uf20-91
// ---------------------------------------------------------------------------------------------

interface ChainResult {
  files: number;
  decided: number;
  sat: number;
  agree: number;
  witnessVerified: number;
  totalSeconds: number;
  stageSeconds: Record<string, number>;
  engine: string;
  dtype: string;
  layers: number;
  heads: number;
}

async function benchChain(args: Args): Promise<ChainResult | null> {
  const dir = join(PROJECT_ROOT, '..', 'shared', 'data', 'satlib', 'uf20-91');
  if (!existsSync(dir)) return null;
  let files = readdirSync(dir).filter((f) => f.endsWith('.cnf')).sort();
  if (args.quick) files = files.slice(0, 10);
  const stage: Record<string, number> = { forward: 0, evaluate: 0, decode: 0, oracle: 0 };
  const res: ChainResult = { files: files.length, decided: 0, sat: 0, agree: 0, witnessVerified: 0, totalSeconds: 0, stageSeconds: stage, engine: '', dtype: 'f64', layers: 2, heads: 2 };
  const t0 = performance.now();
  for (const f of files) {
    const r = await checkDecision(loadInstance(join(dir, f)), { reductions: REDUCTIONS, layers: 2, heads: 2, engine: 'wasm', dtype: 'f64' });
    res.engine = r.engine;
    res.decided++;
    if (r.answer === 'SAT') res.sat++;
    if (r.agree) res.agree++;
    if (r.witnessVerified) res.witnessVerified++;
    for (const k of Object.keys(stage)) stage[k]! += (r.timingsMs as unknown as Record<string, number>)[k]! / 1e3;
  }
  res.totalSeconds = (performance.now() - t0) / 1e3;
  return res;
}

// ---------------------------------------------------------------------------------------------
// 4. Exponent fits on generated 3-OV → transformer instances
// ---------------------------------------------------------------------------------------------

interface FitPoint {
  x: number;
  ms: number;
  tokens: number;
  layers: number;
  heads: number;
}

interface Fit {
  points: FitPoint[];
  slope: number;
  slopeStdErr: number;
  intercept: number;
}

function fitLogLog(points: FitPoint[]): Fit {
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.ms));
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const slopeStdErr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN;
  return { points, slope, slopeStdErr, intercept };
}

function threeOvModel(N: number, sizeC: number, layers: number, heads: number, dim: number, seed: number): TransformerModel {
  const inst = findGenerator('3ov')!.generate({ size: N, sizeB: N, sizeC, dim, density: 0.8, plant: false, no: false }, makeRng(seed), 'bench').data;
  return (threeOvToTransformer.forward(inst, { layers, heads }) as { target: TransformerModel }).target;
}

async function benchFits(args: Args, engine: WasmEngine): Promise<{ tokens: Fit; lh: Fit; dim: number }> {
  const dim = 20;
  const runs = Math.max(5, Math.min(args.runs, 5));
  // Small sizes get more runs (at least ~1 s of timing per point), so that noise does not tilt the fit.
  const runsFor = async (model: TransformerModel): Promise<number> => {
    const t0 = performance.now();
    await engine.evaluate(model);
    const once = performance.now() - t0;
    return Math.min(41, Math.max(runs, Math.ceil(1000 / Math.max(once, 1)) | 1));
  };
  const tokenSizes = args.quick ? [256, 512, 1024] : [512, 1024, 2048, 4096, 8192];
  const tokenPoints: FitPoint[] = [];
  for (const N of tokenSizes) {
    const model = threeOvModel(N, 4, 2, 2, dim, SEED + N);
    console.error(`fit tokens: n = ${model.tokens} …`);
    const ms = median(await timeRuns(await runsFor(model), () => engine.evaluate(model)));
    tokenPoints.push({ x: model.tokens, ms, tokens: model.tokens, layers: 2, heads: 2 });
  }
  const shapes: [number, number][] = args.quick ? [[1, 1], [1, 2], [2, 2], [2, 4]] : [[1, 1], [1, 2], [2, 2], [2, 4], [4, 4], [4, 8], [8, 8]];
  const Nfixed = args.quick ? 512 : 1024;
  const lhPoints: FitPoint[] = [];
  for (const [L, H] of shapes) {
    const model = threeOvModel(Nfixed, L * H, L, H, dim, SEED + 7 * L * H);
    console.error(`fit L·H: L = ${L}, H = ${H} …`);
    const ms = median(await timeRuns(await runsFor(model), () => engine.evaluate(model)));
    lhPoints.push({ x: L * H, ms, tokens: model.tokens, layers: L, heads: H });
  }
  return { tokens: fitLogLog(tokenPoints), lh: fitLogLog(lhPoints), dim };
}

/** A log-log scatter plot with the fitted line, as a self-contained SVG. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function svgPlot(fit: Fit, title: string, xLabel: string, expected: string, provenance: Record<string, unknown>): string {
  const W = 560;
  const H = 380;
  const m = { l: 70, r: 20, t: 40, b: 55 };
  const lx = fit.points.map((p) => Math.log2(p.x));
  const ly = fit.points.map((p) => Math.log2(p.ms));
  const x0 = Math.floor(Math.min(...lx));
  const x1 = Math.ceil(Math.max(...lx));
  const y0 = Math.floor(Math.min(...ly));
  const y1 = Math.ceil(Math.max(...ly));
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  const sx = (v: number): number => r1(m.l + ((v - x0) / Math.max(1e-9, x1 - x0)) * (W - m.l - m.r));
  const sy = (v: number): number => r1(H - m.b - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - m.t - m.b));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  // Like every file the workbench writes, the plot records what made it (tool, version, command, seed).
  parts.push(`<desc>${escapeXml(JSON.stringify(provenance))}</desc>`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`);
  for (let v = x0; v <= x1; v++) {
    parts.push(`<line x1="${sx(v)}" y1="${m.t}" x2="${sx(v)}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(v)}" y="${H - m.b + 16}" text-anchor="middle">${2 ** v}</text>`);
  }
  for (let v = y0; v <= y1; v++) {
    parts.push(`<line x1="${m.l}" y1="${sy(v)}" x2="${W - m.r}" y2="${sy(v)}" stroke="#eee"/>`);
    const ms = 2 ** v;
    parts.push(`<text x="${m.l - 6}" y="${sy(v) + 4}" text-anchor="end">${ms >= 1 ? ms : ms.toPrecision(2)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${xLabel} (log scale)</text>`);
  parts.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">time of evaluate, ms (log scale)</text>`);
  // Fitted line: ln t = a + s ln x  ⇒  log2 t = a/ln2 + s log2 x.
  const fy = (lxv: number): number => fit.intercept / Math.LN2 + fit.slope * lxv;
  const xa = Math.min(...lx);
  const xb = Math.max(...lx);
  parts.push(`<line x1="${sx(xa)}" y1="${sy(fy(xa))}" x2="${sx(xb)}" y2="${sy(fy(xb))}" stroke="#c33" stroke-width="2"/>`);
  for (let i = 0; i < lx.length; i++) parts.push(`<circle cx="${sx(lx[i]!)}" cy="${sy(ly[i]!)}" r="4" fill="#236"/>`);
  parts.push(
    `<text x="${m.l + 10}" y="${m.t + 18}" fill="#c33">fitted exponent ${fit.slope.toFixed(3)} ± ${fit.slopeStdErr.toFixed(3)} (expected ${expected})</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Only a full run replaces the committed bench/results.json and plots; --quick or --only runs
  // write to bench/partial/ (git-ignored) so that they never clobber them with partial data.
  const full = !args.quick && args.only.size === 4;
  const out = full ? BENCH : join(BENCH, 'partial');
  const f64 = await createWasmEngine('f64');
  const f32 = await createWasmEngine('f32');
  const np = numpyInfo();
  // The bench is not a `seth` subcommand: record the command that actually ran.
  const provenance: Record<string, unknown> = {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    command: ['npm run bench', ...process.argv.slice(2)].join(' '),
    seed: SEED,
    date: new Date().toISOString(),
  };
  const results: Record<string, unknown> = {
    provenance,
    machine: machine(f64, np),
    runs: args.runs,
    quick: args.quick,
  };
  const report: string[] = [];
  const m = results.machine as Record<string, string | number>;
  report.push(
    `Machine: ${m.cpu} (${m.cpuFlags}), ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node} (V8 ${m.v8}); wasm kernel: ${m.wasmKernel} on ${m.wasmThreads} worker threads; python ${m.python}, numpy ${m.numpy}.`,
  );
  try {
    if (args.only.has('attention')) {
      const { rows, numpyBlas } = await benchAttention(args, f64, f32, np);
      results.attention = { rows, numpyBlas, note: 'ms · GFLOP/s, GFLOP = 4·n²·d per head; medians; numpy ratio = wasm GFLOP/s ÷ numpy GFLOP/s' };
      report.push(`\n### Exact attention (ms · GFLOP/s, 4·n²·d flops per head; median of ${args.runs} runs after a warm-up; reference: 5 runs)\n`);
      if (numpyBlas) report.push(`numpy BLAS: ${numpyBlas}\n`);
      report.push(attentionTable(rows));
      report.push(
        '\nmax |engine − reference|: ' +
          rows.map((r) => `${r.name}: wasm f64 ${(r.maxAbsErrVsReference.wasmF64 ?? NaN).toExponential(1)}, wasm f32 ${(r.maxAbsErrVsReference.wasmF32 ?? NaN).toExponential(1)}, onnx f32 ${(r.maxAbsErrVsReference.onnxF32 ?? NaN).toExponential(1)}, numpy f64 ${(r.maxAbsErrVsReference.numpyF64 ?? NaN).toExponential(1)}`).join('; '),
      );
    }
    if (args.only.has('oracle')) {
      const rows = await benchOracles(args);
      results.oracles = rows;
      report.push('\n### Brute-force oracles (one core)\n');
      report.push(table(['oracle', 'instance', 'words', 'word ops', 'ms', 'word ops / s'], rows.map((r) => [r.problem, r.sizes, r.words, r.wordOps.toExponential(2), fmt(r.ms, 1), r.opsPerSecond.toExponential(2)])));
    }
    if (args.only.has('chain')) {
      const r = await benchChain(args);
      results.chain = r;
      report.push('\n### The whole chain: SATLIB uf20-91 → 3-OV → transformer (L = 2, H = 2) → wasm f64 → decode → witness\n');
      if (r) {
        report.push(
          table(
            ['files', 'decided', 'SAT', 'agree with MiniSat', 'witness verified', 'total s', 'forward s', 'evaluate s', 'decode s', 'oracle s'],
            [[r.files, r.decided, r.sat, r.agree, r.witnessVerified, fmt(r.totalSeconds, 1), ...['forward', 'evaluate', 'decode', 'oracle'].map((k) => fmt(r.stageSeconds[k], 1))]],
          ),
        );
      } else report.push('(../shared/data/satlib/uf20-91 not found)');
    }
    if (args.only.has('fit')) {
      const fits = await benchFits(args, f64);
      mkdirSync(out, { recursive: true });
      results.fits = fits;
      writeOutputAtomic(join(out, 'exponent-tokens.svg'), svgPlot(fits.tokens, `wasm f64: time vs tokens (L·H = 4, d = ${fits.dim})`, 'tokens n = 2N + 1', '2', provenance));
      writeOutputAtomic(join(out, 'exponent-lh.svg'), svgPlot(fits.lh, `wasm f64: time vs L·H (n = ${fits.lh.points[0]?.tokens}, d = ${fits.dim})`, 'L·H', '1', provenance));
      report.push('\n### Fitted exponents (wasm f64, engine evaluate only, 3-OV → transformer instances)\n');
      report.push(
        table(
          ['sweep', 'points (x: ms)', 'fitted exponent', 'expected'],
          [
            ['tokens (L·H = 4)', fits.tokens.points.map((p) => `${p.x}: ${fmt(p.ms, 1)}`).join(', '), `${fits.tokens.slope.toFixed(3)} ± ${fits.tokens.slopeStdErr.toFixed(3)}`, '2.0 ± 0.15'],
            [`L·H (n = ${fits.lh.points[0]?.tokens})`, fits.lh.points.map((p) => `${p.x}: ${fmt(p.ms, 1)}`).join(', '), `${fits.lh.slope.toFixed(3)} ± ${fits.lh.slopeStdErr.toFixed(3)}`, '1.0 ± 0.1'],
          ],
        ),
      );
      report.push(`\nPlots: ${relative(PROJECT_ROOT, join(out, 'exponent-tokens.svg'))}, ${relative(PROJECT_ROOT, join(out, 'exponent-lh.svg'))}`);
    }
  } finally {
    await f64.close();
    await f32.close();
    rmSync(TMP, { recursive: true, force: true });
  }
  results.report = report.join('\n');
  mkdirSync(out, { recursive: true });
  writeOutputAtomic(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(report.join('\n'));
  console.log(`\nwrote ${relative(PROJECT_ROOT, join(out, 'results.json'))}`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
