/** Shared pieces of `npm run bench`: arguments, timing, formatting, random inputs. */
import { join } from 'node:path';
import type { Rng } from '../src/rng.js';
import { PROJECT_ROOT } from '../src/version.js';

export const BENCH = join(PROJECT_ROOT, 'bench');
export const TMP = join(BENCH, 'tmp');
export const SEED = 20240611;

export const SECTIONS = ['attention', 'oracle', 'chain', 'latency', 'fit'] as const;
export type Section = (typeof SECTIONS)[number];

export const ISAS = ['auto', 'avx2', 'avx512'] as const;
export type BenchIsa = (typeof ISAS)[number];

export interface Args {
  quick: boolean;
  runs: number;
  only: Set<Section>;
  /** The native engines' and the FMA peak's instruction set (auto: AVX-512F where the CPU has it). */
  isa: BenchIsa;
}

const isIsa = (s: string): s is BenchIsa => (ISAS as readonly string[]).includes(s);

export function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runs: 7, only: new Set(SECTIONS), isa: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--runs') args.runs = Math.max(5, Number(argv[++i]));
    else if (a === '--only') {
      const names = String(argv[++i]).split(',');
      const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (bad.length) throw new Error(`unknown section ${bad.join(', ')}; expected some of ${SECTIONS.join(',')}`);
      args.only = new Set(SECTIONS.filter((s) => names.includes(s)));
    } else if (a === '--isa') {
      const isa = String(argv[++i]);
      if (!isIsa(isa)) throw new Error(`unknown --isa ${isa}; expected one of ${ISAS.join(', ')}`);
      args.isa = isa;
    } else throw new Error(`unknown argument ${a}; expected --quick, --runs R, --only ${SECTIONS.join(',')}, --isa ${ISAS.join('|')}`);
  }
  return args;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

/** One warm-up, then `runs` timed calls (ms each). */
export async function timeRuns(runs: number, fn: () => unknown): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

export function uniform(rng: Rng, k: number): Float64Array {
  return Float64Array.from({ length: k }, () => 2 * rng.next() - 1);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
