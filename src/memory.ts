import { freemem, totalmem } from 'node:os';
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

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

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
