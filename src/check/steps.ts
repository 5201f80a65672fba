import type { ProblemId } from '../problems/instance.js';
import type { ChainStep } from '../reduction/chain.js';

/** One step of a checked chain: the reduction, its size formulas, declared and measured sizes. */
export interface StepReport {
  reduction: string;
  from: ProblemId;
  to: ProblemId;
  formulas: Record<string, string>;
  declared: Record<string, number>;
  measured: Record<string, number>;
  matches: boolean;
}

export function stepReport(s: ChainStep): StepReport {
  const matches = Object.entries(s.declared).every(([k, v]) => s.measured[k] === v);
  return {
    reduction: s.reduction.id,
    from: s.reduction.source,
    to: s.reduction.target,
    formulas: { ...s.reduction.overhead },
    declared: s.declared,
    measured: Object.fromEntries(Object.keys(s.declared).map((k) => [k, s.measured[k]!])),
    matches,
  };
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

/** `tokens = size + 1 = 5 ✓; width = size = 4 ✓` (✗ with the measured value where they differ). */
export function formatStepSizes(s: StepReport): string {
  return Object.keys(s.declared)
    .map((k) => `${k} = ${s.formulas[k]} = ${fmtNum(s.declared[k]!)} ${s.measured[k] === s.declared[k] ? '✓' : `✗ (measured ${s.measured[k]})`}`)
    .join('; ');
}

/** Where a source instance came from, for reports: the command that made it, or that nobody recorded it. */
export function formatOrigin(p: { generator: string; seed: number | null; command: string } | null): string {
  return p ? `${p.command} (${p.generator}, seed ${p.seed ?? 'none'})` : 'no provenance recorded';
}
