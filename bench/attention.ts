/**
 * Exact attention, one batch per case: the reference, native, wasm and onnxruntime engines in this
 * process, numpy and PyTorch in their own (bench/numpy_attention.py, bench/torch_attention.py), all
 * on the same inputs, their runs interleaved so that every column sees the same load, with FMA peak
 * samples (the native addon's multiply-add loop) between them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attend } from '../src/engine/reference.js';
import type { AttentionBatch, AttentionHead, DType, PreparedAttention } from '../src/engine/types.js';
import { makeRng } from '../src/rng.js';
import { cpuMs, cpuTicks, stolenBetween, type PeakMeter } from './machine.js';
import { PeerServer } from './peer.js';
import { BENCH, SEED, TMP, maxAbsDiff, median, timeRuns, timed, uniform, type Args } from './util.js';

/** An engine of this process that can time bare attention batches. */
export interface BatchEngine {
  prepareAttention(batch: AttentionBatch): PreparedAttention;
}

export interface AttentionEngines {
  nativeF64?: BatchEngine;
  nativeF32?: BatchEngine;
  wasmF64: BatchEngine;
  wasmF32: BatchEngine;
  /** Python interpreters for the peers; null = skip that peer. */
  numpyPython: string | null;
  torchPython: string | null;
  peak?: PeakMeter;
}

export interface AttentionCase {
  name: string;
  tokens: number;
  dim: number;
  heads: number;
}

/** Columns, in table order. */
export const COLUMNS = ['reference', 'nativeF64', 'nativeF32', 'wasmF64', 'wasmF32', 'onnxF32', 'numpyF64', 'numpyF32', 'torchF64', 'torchF32'] as const;
export type Column = (typeof COLUMNS)[number];

export const dtypeOf = (c: Column): DType => (c.endsWith('F32') ? 'f32' : 'f64');

export interface AttentionRow {
  name: string;
  tokens: number;
  dim: number;
  heads: number;
  gflop: number;
  ms: Partial<Record<Column, number | null>>;
  gflops: Partial<Record<Column, number | null>>;
  /** The FMA peak measured between this case's runs (median of its samples), GFLOP/s. */
  peak: { f64: number | null; f32: number | null };
  /** GFLOP/s ÷ the same-dtype peak of this case. */
  fractionOfPeak: Partial<Record<Column, number | null>>;
  /**
   * The native engine per CPU-second of this process (its threads' CPU time, not wall time) ÷ the
   * FMA loop's GFLOP per CPU-second: on a shared machine, what the kernel makes of the cycles it
   * gets. It does not see time lost to idle threads (a sleeping thread uses no CPU), the wall figures do.
   */
  cpu: {
    peak: { f64: number | null; f32: number | null };
    gflopPerCpuSecond: Partial<Record<Column, number | null>>;
    fractionOfPeak: Partial<Record<Column, number | null>>;
  };
  /** The fraction of the machine's CPU time the hypervisor gave to other guests during this case's timed runs (Linux; null elsewhere). */
  stolen: number | null;
  /** Ratios of GFLOP/s in this run, e.g. nativeF64/numpyF64. */
  ratios: Record<string, number | null>;
  maxAbsErrVsReference: Partial<Record<Column, number | null>>;
}

export const RATIOS: [Column, Column][] = [
  ['nativeF64', 'numpyF64'],
  ['nativeF64', 'torchF64'],
  ['nativeF64', 'wasmF64'],
  ['nativeF32', 'onnxF32'],
  ['nativeF32', 'numpyF32'],
  ['nativeF32', 'torchF32'],
];

export const ratioKey = (a: Column, b: Column): string => `${a}/${b}`;

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

function readF64(file: string): Float64Array | null {
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

export async function benchAttention(args: Args, engines: AttentionEngines): Promise<{ rows: AttentionRow[]; peers: Record<string, unknown> }> {
  const cases: AttentionCase[] = [
    { name: '(1024, 64)', tokens: 1024, dim: 64, heads: 1 },
    { name: '(2048, 96)', tokens: 2048, dim: 96, heads: 1 },
    { name: '(4096, 64)', tokens: 4096, dim: 64, heads: 1 },
    { name: '8 heads × (1024, 64)', tokens: 1024, dim: 64, heads: 8 },
  ].slice(0, args.quick ? 1 : 4);
  const rng = makeRng(SEED);
  const inputs = cases.map((c) =>
    Array.from({ length: c.heads }, (): AttentionHead => ({
      Q: uniform(rng, c.tokens * c.dim),
      K: uniform(rng, c.tokens * c.dim),
      V: uniform(rng, c.tokens * c.dim),
    })),
  );
  const scaleOf = (c: AttentionCase): number => 1 / Math.sqrt(c.dim);

  // The peers read the inputs from files; each writes its float64 outputs to its own files.
  mkdirSync(TMP, { recursive: true });
  const inputFiles = cases.map((c, i) => {
    const file = join(TMP, `attention-${i}.f64`);
    const buf = new Float64Array(c.heads * 3 * c.tokens * c.dim);
    inputs[i]!.forEach((h, t) => [h.Q, h.K, h.V].forEach((M, j) => buf.set(M, (3 * t + j) * c.tokens * c.dim)));
    writeFileSync(file, new Uint8Array(buf.buffer));
    return file;
  });
  const startPeer = async (label: 'numpy' | 'torch', python: string | null): Promise<{ server: PeerServer; outputs: string[] } | null> => {
    const script = join(BENCH, `${label}_attention.py`);
    if (!python || !existsSync(script)) return null;
    const outputs = cases.map((_, i) => join(TMP, `attention-${i}.${label}.out.f64`));
    const spec = {
      runs: args.runs,
      // torch_attention.py writes to torch_output (never over numpy's output); both peers get their own file.
      cases: cases.map((c, i) => ({
        name: c.name,
        tokens: c.tokens,
        dim: c.dim,
        heads: c.heads,
        scale: scaleOf(c),
        input: inputFiles[i]!,
        output: outputs[i]!,
        torch_output: outputs[i]!,
      })),
    };
    const specFile = join(TMP, `${label}-spec.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    console.error(`${label}: loading inputs …`);
    const server = await PeerServer.start(python, script, specFile, label);
    return server ? { server, outputs } : null;
  };
  const numpy = await startPeer('numpy', engines.numpyPython);
  const torch = await startPeer('torch', engines.torchPython);

  const rows: AttentionRow[] = [];
  try {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const heads = inputs[i]!;
      const scale = scaleOf(c);
      const batch: AttentionBatch = { tokens: c.tokens, dim: c.dim, scale, heads };
      const gflop = (4 * c.tokens * c.tokens * c.dim * c.heads) / 1e9;
      console.error(`attention ${c.name}: reference …`);
      let refOut: Float64Array[] = [];
      const refMs = median(
        await timeRuns(Math.min(args.runs, 5), () => {
          refOut = heads.map((h) => attend(h.Q, h.K, h.V, c.tokens, c.tokens, c.dim, c.dim, scale));
        }),
      );
      console.error(`attention ${c.name}: every engine, interleaved …`);
      const prepared: Partial<Record<Column, PreparedAttention>> = {};
      if (engines.nativeF64) prepared.nativeF64 = engines.nativeF64.prepareAttention(batch);
      if (engines.nativeF32) prepared.nativeF32 = engines.nativeF32.prepareAttention(batch);
      prepared.wasmF64 = engines.wasmF64.prepareAttention(batch);
      prepared.wasmF32 = engines.wasmF32.prepareAttention(batch);
      const onnx = await prepareOnnx(batch);
      if (onnx) prepared.onnxF32 = onnx;
      const outputs: Partial<Record<Column, Float64Array[]>> = {};
      for (const [k, p] of Object.entries(prepared) as [Column, PreparedAttention][]) {
        await p.run(); // warm-up
        outputs[k] = p.read().map((o) => Float64Array.from(o));
      }
      const samples: Partial<Record<Column, number[]>> = {};
      const cpuSamples: Partial<Record<Column, number[]>> = {};
      const push = (k: Column, ms: number | null): void => {
        if (ms !== null) (samples[k] ??= []).push(ms);
      };
      // OpenBLAS's and PyTorch's threads spin for a while after each call before they sleep; let
      // them settle so that they do not steal the cores from the next run here.
      const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250));
      engines.peak?.take('f64');
      engines.peak?.take('f32');
      engines.peak?.takeCpu('f64');
      engines.peak?.takeCpu('f32');
      const ticks0 = cpuTicks();
      for (let r = 0; r < args.runs; r++) {
        for (const dtype of ['f64', 'f32'] as const) {
          const F = dtype === 'f64' ? 'F64' : 'F32';
          for (const [label, peer] of [
            ['numpy', numpy],
            ['torch', torch],
          ] as const) {
            if (!peer) continue;
            push(`${label}${F}`, await peer.server.time(i, dtype));
            await settle();
          }
          for (const k of [`native${F}`, `wasm${F}`, `onnx${F}`] as const) {
            const p = prepared[k as Column];
            if (!p) continue;
            // The peak sample just before the native run sees the same load as the run.
            if (k.startsWith('native')) engines.peak?.sample(dtype);
            const c0 = cpuMs();
            push(k as Column, await timed(() => p.run()));
            if (k.startsWith('native')) (cpuSamples[k as Column] ??= []).push(cpuMs() - c0);
            // onnxruntime's intra-op threads spin after each call, in this process: their CPU time
            // would be counted against the next peak sample and native run (it lowered the f64
            // peak per CPU-second by a fifth here), so let them settle too.
            if (k.startsWith('onnx')) await settle();
          }
        }
      }
      const stolen = stolenBetween(ticks0, cpuTicks());
      for (const p of Object.values(prepared)) await p.release?.();
      const peakF64 = engines.peak ? median(engines.peak.take('f64')) : null;
      const peakF32 = engines.peak ? median(engines.peak.take('f32')) : null;
      const cpuPeak = { f64: engines.peak ? median(engines.peak.takeCpu('f64')) : null, f32: engines.peak ? median(engines.peak.takeCpu('f32')) : null };
      const cpu: AttentionRow['cpu'] = { peak: cpuPeak, gflopPerCpuSecond: {}, fractionOfPeak: {} };
      for (const k of ['nativeF64', 'nativeF32'] as const) {
        const c = cpuSamples[k]?.length ? median(cpuSamples[k]) : null;
        const g = c ? gflop / (c / 1e3) : null;
        const pk = cpuPeak[dtypeOf(k)];
        cpu.gflopPerCpuSecond[k] = g;
        cpu.fractionOfPeak[k] = g !== null && pk ? g / pk : null;
      }
      const ms: Partial<Record<Column, number | null>> = { reference: refMs };
      for (const k of COLUMNS.slice(1)) ms[k] = samples[k]?.length ? median(samples[k]) : null;
      const gflops: Partial<Record<Column, number | null>> = {};
      const fractionOfPeak: Partial<Record<Column, number | null>> = {};
      for (const k of COLUMNS) {
        const v = ms[k];
        gflops[k] = v === null || v === undefined ? null : gflop / (v / 1e3);
        const peak = dtypeOf(k) === 'f64' ? peakF64 : peakF32;
        fractionOfPeak[k] = gflops[k] !== null && peak ? gflops[k] / peak : null;
      }
      const ratios: Record<string, number | null> = {};
      for (const [a, b] of RATIOS) ratios[ratioKey(a, b)] = gflops[a] && gflops[b] ? gflops[a] / gflops[b] : null;
      const err: Partial<Record<Column, number | null>> = {};
      const errOf = (got: ArrayLike<number>[]): number => Math.max(...got.map((o, t) => maxAbsDiff(o, refOut[t]!)));
      for (const [k, o] of Object.entries(outputs) as [Column, Float64Array[]][]) err[k] = errOf(o);
      for (const [label, peer] of [
        ['numpy', numpy],
        ['torch', torch],
      ] as const) {
        const all = peer ? readF64(peer.outputs[i]!) : null;
        const n = c.tokens * c.dim;
        err[`${label}F64`] = all && all.length === c.heads * n ? errOf(refOut.map((_, t) => all.subarray(t * n, (t + 1) * n))) : null;
      }
      rows.push({
        name: c.name,
        tokens: c.tokens,
        dim: c.dim,
        heads: c.heads,
        gflop,
        ms,
        gflops,
        peak: { f64: peakF64, f32: peakF32 },
        fractionOfPeak,
        cpu,
        stolen,
        ratios,
        maxAbsErrVsReference: err,
      });
    }
  } finally {
    numpy?.server.close();
    torch?.server.close();
  }
  return { rows, peers: { numpy: numpy?.server.hello ?? null, torch: torch?.server.hello ?? null } };
}
