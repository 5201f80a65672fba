/** The machine the bench ran on, and its measured multiply-add peak. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { DType } from '../src/engine/types.js';
import type { NativeAddon } from '../src/engine/native/addon.js';

export interface NumpyInfo {
  python: string;
  numpy: string;
}

export function numpyInfo(): NumpyInfo | null {
  const r = spawnSync('python3', ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [python, numpy] = r.stdout.trim().split(' ');
  return { python: python ?? '?', numpy: numpy ?? '?' };
}

export function machine(extra: Record<string, string | number>): Record<string, string | number> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let flags = '';
  try {
    const f = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
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
    loadAverageAtStart: loadavg()[0]!.toFixed(1),
    ...extra,
  };
}

/**
 * The machine's multiply-add peak as this process sees it: the native addon's FMA loop (12
 * independent vector accumulators per thread, on every thread, 256-bit with AVX2), about 0.1 s a
 * sample. Each sample is taken just before a native run, so that the peak sees the same load.
 */
export class PeakMeter {
  private readonly samples: Record<DType, number[]> = { f64: [], f32: [] };
  private readonly cpuSamples: Record<DType, number[]> = { f64: [], f32: [] };
  constructor(
    private readonly addon: NativeAddon,
    readonly threads: number,
    readonly isa: 'avx2' | 'avx512',
  ) {}

  sample(dtype: DType): number {
    const lanes = (this.isa === 'avx512' ? 8 : 4) * (dtype === 'f32' ? 2 : 1);
    // About 0.1 s at the nominal rate (2 FMA pipes × lanes × 2 flops × 2.5 GHz per thread).
    const iters = Math.round((0.1 * 2 * lanes * 2 * 2.5e9) / (12 * 2 * lanes));
    const c0 = cpuMs();
    const g = this.addon.peak(dtype === 'f32', this.threads, iters, this.isa);
    const cpu = cpuMs() - c0;
    this.samples[dtype].push(g);
    // The same multiply-adds per CPU-second of this process (all its threads): what a core does
    // while it runs us, whatever else the machine runs.
    if (cpu > 0) this.cpuSamples[dtype].push((this.threads * iters * 12 * 2 * lanes) / (cpu / 1e3) / 1e9);
    return g;
  }

  /** Samples since the last call (then cleared), GFLOP/s of wall time. */
  take(dtype: DType): number[] {
    return this.samples[dtype].splice(0);
  }

  /** Samples since the last call (then cleared), GFLOP per CPU-second. */
  takeCpu(dtype: DType): number[] {
    return this.cpuSamples[dtype].splice(0);
  }
}

/** CPU time of this process so far (every thread), ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/** The machine-wide CPU time counters of /proc/stat's first line, in clock ticks (Linux only). */
export interface CpuTicks {
  /** Time the hypervisor ran something else while this machine's CPUs wanted to run. */
  steal: number;
  /** Every state: user, nice, system, idle, iowait, irq, softirq, steal. */
  total: number;
}

/** The `cpu` line of a /proc/stat text, or null where there is none (not Linux, or a format it does not know). */
export function parseCpuTicks(stat: string): CpuTicks | null {
  const line = /^cpu\s+(.*)$/m.exec(stat)?.[1];
  if (!line) return null;
  const f = line.trim().split(/\s+/).map(Number);
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const states = f.slice(0, 8);
  if (states.length < 8 || states.some((x) => !Number.isFinite(x))) return null;
  return { steal: states[7]!, total: states.reduce((a, b) => a + b, 0) };
}

export function cpuTicks(): CpuTicks | null {
  try {
    return parseCpuTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The fraction of the machine's CPU time between two readings that the hypervisor gave to other
 * guests: on a shared host it is what the wall-time figures lose beyond this machine's own load.
 * Null without readings or when fewer than 10 ticks passed (too short to say).
 */
export function stolenBetween(a: CpuTicks | null, b: CpuTicks | null): number | null {
  if (!a || !b || b.total - a.total < 10) return null;
  return (b.steal - a.steal) / (b.total - a.total);
}
