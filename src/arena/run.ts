import { exactAttentionCost } from '../engine/cost.js';
import { evaluateReference } from '../engine/reference.js';
import { UserError } from '../errors.js';
import type { MemoryBudget } from '../memory.js';
import { maxAbsEntry } from '../problems/transformer.js';
import { makeEngine, type EngineSpec } from './engines.js';
import { decide, type ArenaInstance, type Known } from './suites.js';

/**
 * Run every engine on every instance. Each instance's exact X_L (reference engine, float64) is
 * computed once and reused; each run is compared with it and with the instance's known answer.
 */
export interface RunRecord {
  instance: string;
  family: string;
  known: Known | null;
  knownBy: string;
  tokens: number;
  width: number;
  layers: number;
  heads: number;
  maxEntry: number;
  beta: number | null;
  betaBound: number | null;
  engine: string;
  /** ok, or refused (the engine declined: a UserError, e.g. poly's rank estimate), or failed. */
  status: 'ok' | 'refused' | 'failed';
  message?: string;
  decided: Known | null;
  /** the exact engine's decision on the same instance */
  exactDecided: Known | null;
  statistic: number | null;
  /** |statistic − threshold| */
  margin: number | null;
  correct: boolean | null;
  maxError: number | null;
  /** the paper's tolerance 1/(10n) per output entry */
  tolerance: number;
  withinTolerance: boolean | null;
  /** the engine's decision equals the exact engine's */
  decisionSurvives: boolean | null;
  flops: number | null;
  exps: number | null;
  exactFlops: number;
  costRatio: number | null;
  ms: number;
  exactMs: number;
}

export interface RunOptions {
  seed: number;
  budget: MemoryBudget;
  onProgress?: (done: number, total: number, what: string) => void;
}

const num = (v: number | string | undefined): number | null => (typeof v === 'number' ? v : null);

export async function runArena(instances: readonly ArenaInstance[], engines: readonly EngineSpec[], o: RunOptions): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const total = instances.length * engines.length;
  let done = 0;
  for (const inst of instances) {
    const t0 = performance.now();
    const exact = evaluateReference(inst.model).output;
    const exactMs = performance.now() - t0;
    const exactDecision = decide(inst, exact);
    const n = inst.model.tokens;
    const tolerance = 1 / (10 * n);
    const exactFlops = exactAttentionCost(inst.model).flops;
    const base = {
      instance: inst.id,
      family: inst.family,
      known: inst.known,
      knownBy: inst.knownBy,
      tokens: n,
      width: inst.model.width,
      layers: inst.model.layers,
      heads: inst.model.heads,
      maxEntry: maxAbsEntry(inst.model),
      beta: num(inst.model.annotations.beta),
      betaBound: num(inst.model.annotations.betaBound),
      tolerance,
      exactFlops,
      exactMs,
      exactDecided: exactDecision?.answer ?? null,
    };
    for (const spec of engines) {
      o.onProgress?.(done, total, `${spec.label} on ${inst.id}`);
      const t1 = performance.now();
      let rec: RunRecord;
      try {
        const engine = await makeEngine(spec, { seed: o.seed, budget: o.budget });
        try {
          const r = await engine.evaluate(inst.model);
          const ms = performance.now() - t1;
          let maxError = 0;
          for (let i = 0; i < exact.length; i++) {
            const e = Math.abs(r.output[i]! - exact[i]!);
            if (!(e <= maxError)) maxError = e; // NaN propagates
          }
          const d = decide(inst, r.output);
          rec = {
            ...base,
            engine: spec.label,
            status: 'ok',
            ms,
            decided: d?.answer ?? null,
            statistic: d?.statistic ?? null,
            margin: d ? Math.abs(d.statistic - d.threshold) : null,
            correct: d && inst.known ? d.answer === inst.known : null,
            maxError,
            withinTolerance: maxError <= tolerance,
            decisionSurvives: d && exactDecision ? d.answer === exactDecision.answer : null,
            flops: r.cost?.flops ?? null,
            exps: r.cost?.exps ?? null,
            costRatio: r.cost ? r.cost.flops / exactFlops : null,
          };
        } finally {
          await engine.close?.();
        }
      } catch (e) {
        const refused = e instanceof UserError;
        rec = {
          ...base,
          engine: spec.label,
          status: refused ? 'refused' : 'failed',
          message: (e as Error).message.split('\n')[0]!,
          ms: performance.now() - t1,
          decided: null,
          statistic: null,
          margin: null,
          correct: null,
          maxError: null,
          withinTolerance: null,
          decisionSurvives: null,
          flops: null,
          exps: null,
          costRatio: null,
        };
      }
      records.push(rec);
      done++;
    }
  }
  o.onProgress?.(done, total, 'done');
  return records;
}

/** Per engine: YES and NO instances separately, and the controls. */
export interface ScoreLine {
  engine: string;
  yes: { right: number; within: number; total: number; refused: number };
  no: { right: number; within: number; total: number; refused: number };
  control: { within: number; total: number; refused: number; medianError: number | null };
  /** per control shape (control-smooth, control-local): within tolerance / total */
  controls: Record<string, { within: number; total: number }>;
  medianCostRatio: number | null;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function scorecard(records: readonly RunRecord[]): ScoreLine[] {
  const engines = [...new Set(records.map((r) => r.engine))];
  return engines.map((engine) => {
    const mine = records.filter((r) => r.engine === engine);
    const part = (known: Known): ScoreLine['yes'] => {
      const rs = mine.filter((r) => r.known === known);
      return {
        right: rs.filter((r) => r.correct === true).length,
        within: rs.filter((r) => r.withinTolerance === true).length,
        total: rs.length,
        refused: rs.filter((r) => r.status !== 'ok').length,
      };
    };
    const controls = mine.filter((r) => r.family.startsWith('control'));
    return {
      engine,
      yes: part('YES'),
      no: part('NO'),
      control: {
        within: controls.filter((r) => r.withinTolerance === true).length,
        total: controls.length,
        refused: controls.filter((r) => r.status !== 'ok').length,
        medianError: median(controls.flatMap((r) => (r.maxError === null ? [] : [r.maxError]))),
      },
      controls: Object.fromEntries(
        [...new Set(controls.map((r) => r.family))].map((f) => [
          f,
          { within: controls.filter((r) => r.family === f && r.withinTolerance === true).length, total: controls.filter((r) => r.family === f).length },
        ]),
      ),
      medianCostRatio: median(mine.flatMap((r) => (r.costRatio === null ? [] : [r.costRatio]))),
    };
  });
}

export function formatScorecard(lines: readonly ScoreLine[]): string {
  const pad = (s: string, w: number): string => s.padEnd(w);
  const frac = (a: number, b: number, refused: number): string => (b === 0 ? '–' : `${a}/${b}${refused ? ` (${refused} refused)` : ''}`);
  const w = Math.max(6, ...lines.map((l) => l.engine.length)) + 2;
  const shapes = [...new Set(lines.flatMap((l) => Object.keys(l.controls)))].sort();
  const head = `${pad('engine', w)}${pad('YES right', 18)}${pad('YES ≤ 1/(10n)', 16)}${pad('NO right', 18)}${pad('NO ≤ 1/(10n)', 16)}${shapes.map((s) => pad(`${s.replace('control-', '')} ctrl ≤ tol`, 18)).join('')}cost/exact (median)`;
  const rows = lines.map(
    (l) =>
      pad(l.engine, w) +
      pad(frac(l.yes.right, l.yes.total, l.yes.refused), 18) +
      pad(frac(l.yes.within, l.yes.total, 0), 16) +
      pad(frac(l.no.right, l.no.total, l.no.refused), 18) +
      pad(frac(l.no.within, l.no.total, 0), 16) +
      shapes.map((s) => pad(frac(l.controls[s]?.within ?? 0, l.controls[s]?.total ?? 0, 0), 18)).join('') +
      (l.medianCostRatio === null ? '–' : l.medianCostRatio.toPrecision(3)),
  );
  return [head, ...rows].join('\n');
}
