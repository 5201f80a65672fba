import { constants } from 'node:buffer';
import { freemem, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { UserError, formatBytes } from './errors.js';

/**
 * Memory guard: work whose estimated footprint exceeds the budget is refused before any
 * allocation, with the estimate and the option that forces it.
 */
export interface MemoryBudget {
  /** Bytes we allow one job to use. */
  limitBytes: number;
  /** `--force`: proceed anyway. */
  force: boolean;
}

/** Default budget: half the machine's memory, capped by what is free plus a margin. */
export function defaultBudget(force = false): MemoryBudget {
  const envLimit = process.env.SETH_MEMORY_LIMIT;
  const parsed = envLimit !== undefined && envLimit.trim() !== '' ? parseByteSize(envLimit, 'SETH_MEMORY_LIMIT') : NaN;
  const limitBytes = Number.isFinite(parsed) ? parsed : Math.min(totalmem() / 2, freemem() * 0.9);
  return { limitBytes, force };
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/** "8589934592", "8e9", "8GiB", "512 MB" → bytes; anything else is a user error naming the variable. */
export function parseByteSize(text: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const v = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(Number.isFinite(v) && v > 0)) {
    throw new UserError(`${name}=${JSON.stringify(text)}: expected a positive number of bytes, e.g. 8000000000, 8e9, 8GB or 8GiB`);
  }
  return v;
}

/** `wouldFit`: what the refusal suggests instead (e.g. another shape), worked out only when it refuses. */
export function guardMemory(what: string, estimateBytes: number, budget: MemoryBudget, wouldFit?: () => string | undefined): void {
  if (budget.force) return;
  if (!(estimateBytes <= budget.limitBytes)) {
    const instead = wouldFit?.();
    throw new UserError(
      `refusing ${what}: it would need about ${formatBytes(estimateBytes)} of memory, over the budget of ` +
        `${formatBytes(budget.limitBytes)}; ${instead !== undefined ? `${instead}; or ` : ''}pass --force to try anyway (or set SETH_MEMORY_LIMIT in bytes)`,
    );
  }
}

// ------------------------------------------------------------------ the JavaScript runtime

/**
 * Peak resident set of the CLI before any work: Node, V8 and the loaded modules. Measured as the
 * peak RSS of `seth --version` and of a 1000-clause `seth gen ksat` on Node 20, x86-64 Linux
 * (80 MiB and 86 MiB); the calibration test (test/memory-calibration.test.ts) holds it to that.
 */
export const RUNTIME_BASELINE_BYTES = 96 * 2 ** 20;

/** The longest JavaScript string, in UTF-16 code units (V8: 2²⁹ − 24 on 64-bit builds). */
export const MAX_STRING_CHARS = constants.MAX_STRING_LENGTH;

/** How far the V8 heap may grow (--max-old-space-size, else V8's default for this machine). */
export function heapLimitBytes(): number {
  return getHeapStatistics().heap_size_limit;
}

/**
 * What a piece of work holds at its peak, in two places: typed arrays and Buffers live outside
 * the V8 heap and are bounded only by the machine; JavaScript objects, arrays and strings live in
 * the V8 heap, which is bounded by heapLimitBytes() whatever the budget ("JavaScript heap out of
 * memory" otherwise).
 */
export interface Footprint {
  offHeapBytes: number;
  heapBytes: number;
}

/** The whole process at the peak of `f`: the runtime baseline plus both parts. */
export function footprintBytes(f: Footprint): number {
  return RUNTIME_BASELINE_BYTES + f.offHeapBytes + f.heapBytes;
}

/**
 * Refuse work whose JavaScript heap part exceeds V8's heap limit, or whose whole footprint
 * (baseline included) exceeds the budget, with the estimate. `--force` skips both.
 */
export function guardFootprint(what: string, f: Footprint, budget: MemoryBudget): void {
  if (budget.force) return;
  const limit = heapLimitBytes();
  if (!(f.heapBytes <= limit)) {
    throw new UserError(
      `refusing ${what}: it would need about ${formatBytes(f.heapBytes)} of JavaScript heap, over V8's heap limit of ` +
        `${formatBytes(limit)} (raise it with NODE_OPTIONS=--max-old-space-size=${Math.ceil((f.heapBytes * 1.25) / 2 ** 20)}, or pass --force to try anyway)`,
    );
  }
  guardMemory(`${what} (${formatBytes(f.heapBytes)} of it JavaScript heap)`, footprintBytes(f), budget);
}

/** Refuse to build one string of `chars` UTF-16 code units when V8 cannot hold it. */
export function guardString(what: string, chars: number): void {
  if (chars > MAX_STRING_CHARS) {
    throw new UserError(
      `refusing ${what}: it would be one string of about ${chars.toExponential(2)} characters, over the JavaScript string limit of ${MAX_STRING_CHARS}`,
    );
  }
}
