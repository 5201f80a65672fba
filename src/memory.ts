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
  const parsed = envLimit !== undefined ? Number(envLimit) : NaN;
  const limitBytes = Number.isFinite(parsed) && parsed > 0 ? parsed : Math.min(totalmem() / 2, freemem() * 0.9);
  return { limitBytes, force };
}

export function guardMemory(what: string, estimateBytes: number, budget: MemoryBudget): void {
  if (budget.force) return;
  if (!(estimateBytes <= budget.limitBytes)) {
    throw new UserError(
      `refusing ${what}: it would need about ${formatBytes(estimateBytes)} of memory, over the budget of ` +
        `${formatBytes(budget.limitBytes)}; pass --force to try anyway (or set SETH_MEMORY_LIMIT in bytes)`,
    );
  }
}
