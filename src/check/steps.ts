import type { ProblemId } from '../problems/instance.js';
import type { ChainStep } from '../reduction/chain.js';

/** One step of a checked chain: the reduction, its size formulas, declared and measured sizes. */
export interface StepReport {
  reduction: string;
  from: ProblemId;
  to: ProblemId;
  formulas: Record<string, string>;
  /** The options the step ran with (as parsed by the reduction: only those it declares and was given). */
  options: Record<string, unknown>;
  /** The parameters its overhead formulas read (source sizes and resolved options). */
  params: Record<string, number>;
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
    options: typeof s.options === 'object' && s.options !== null ? Object.fromEntries(Object.entries(s.options)) : {},
    params: s.params,
    declared: s.declared,
    measured: Object.fromEntries(Object.keys(s.declared).map((k) => [k, s.measured[k]!])),
    matches,
  };
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

/** `tokens = size + 1 = 5 ✓; width = size = 4 ✓` (✗ with the measured value where they differ). */
/** `k = formula = value`, without the tautology `layers = layers = 2` when the formula is the name itself. */
export function sizeEquation(k: string, formula: string | undefined, value: number): string {
  return formula === undefined || formula === k || formula === String(value) ? `${k} = ${fmtNum(value)}` : `${k} = ${formula} = ${fmtNum(value)}`;
}

export function formatStepSizes(s: StepReport): string {
  return Object.keys(s.declared)
    .map((k) => `${sizeEquation(k, s.formulas[k], s.declared[k]!)} ${s.measured[k] === s.declared[k] ? '✓' : `✗ (measured ${s.measured[k]})`}`)
    .join('; ');
}

/** Where a source instance came from, for reports: the command that made it, or that nobody recorded it. */
export function formatOrigin(p: { generator: string; seed: number | null; command: string; location?: string | undefined } | null): string {
  // A source read from a file no generator made (src/io/source-record.ts): where it was read, not the command reading it.
  if (p?.generator === 'file') return `read from ${p.location ?? 'standard input'} (not made by a seth generator; its content fingerprint is recorded)`;
  return p ? `${p.command} (${p.generator}, seed ${p.seed ?? 'none'})` : 'no provenance recorded';
}
