import { z } from 'zod';
import { formatMatmulReport } from '../../check/matmul.js';
import { checkInstance, chooseChain, type CheckReport, type DecisionReport } from '../../check/run.js';
import type { RecoveredSource } from '../../check/source-from-provenance.js';
import { formatOrigin, formatStepSizes } from '../../check/steps.js';
import type { DType } from '../../engine/types.js';
import { loadOutput } from '../../formats/tensor-output.js';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEngine } from '../../engine/registry.js';
import type { Engine } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { displayName, isStdio, writeOutputAtomic } from '../../io/files.js';
import type { Instance } from '../../problems/instance.js';
import { runRecord, type RunRecord } from '../../provenance.js';
import { renderReport, type ReportEntry } from '../../report/html.js';
import { TOOL_NAME, TOOL_VERSION } from '../../version.js';
import { expandInputs, isBatch, runAll, table } from '../batch.js';
import { checkTarget, type CheckTarget } from '../check-target.js';
import type { MemoryBudget } from '../../memory.js';
import { PROBLEM_IDS } from '../../problems/instance.js';
import type { TransformerModel } from '../../problems/transformer.js';
import { viaOf } from '../chain-choice.js';
import { refuseUnusedShape } from '../shape-options.js';
import { cliArg, defineCommand, print, warn, type CommandContext } from '../command.js';
import { explainCheck } from '../explain.js';
import { budgetOf, engineArgs, engineOf, forceArgs, inputsArg, jsonArgs } from '../options.js';
import { makeProgress } from '../progress.js';
import { isPositive } from '../../problems/answer.js';

const CheckArgs = z.object({
  files: inputsArg(
    'the inputs: sources (DIMACS or JSON), models (JSON, ONNX, safetensors, .npy folder: source rebuilt from provenance), outputs X_L (decoded for the instance they record), matmul batches; several files, folders or globs run as one batch (- for stdin)',
  ),
  ...jsonArgs,
  ...engineArgs,
  ...forceArgs,
  to: cliArg(z.enum(PROBLEM_IDS).default('transformer'), 'model the chain ends in: transformer | attention | tensor-attention'),
  via: cliArg(z.string().optional(), 'explicit chain: comma-separated reduction ids'),
  explain: cliArg(z.boolean().default(false), "after the check, explain what each step of the chain did, with this run's numbers"),
  report: cliArg(z.string().optional(), 'also write a self-contained HTML report (figures inline, no network) to this file'),
  jsonl: cliArg(z.boolean().default(false), 'batch: one JSON object per input on stdout (the summary goes to stderr)'),
  jobs: cliArg(
    z.number().int().min(1, 'expected a positive integer').default(1),
    'batch: inputs checked at a time, each with its own engine from a pool made once',
  ),
  output: cliArg(z.string().optional(), 'decode this X_L (.npy, .safetensors or seth eval JSON) computed elsewhere instead of evaluating'),
});
export type CheckArgs = z.output<typeof CheckArgs>;

/**
 * `seth check FILE… [--layers L --heads H] [--json | --jsonl] [--report R.html]`: run the chain, evaluate (or solve) its target,
 * decode, compare with the independent oracle. Exit 0 if they agree (and a positive answer's
 * witness verifies), 1 if not, 2 on bad input. Every chain, matmul batches included, goes through
 * the one checker (src/check/run.ts) and reports its steps' declared and measured sizes.
 */
export const checkCommand = defineCommand({
  command: 'check <files..>',
  describe: 'decide an instance through a transformer and check the answer against an independent oracle',
  args: CheckArgs,
  reductionOptions: true,
  async run(a, ctx): Promise<number> {
    const inputs = expandInputs(a.files);
    if (isBatch(a.files, inputs)) return checkBatch(inputs, a, ctx);
    const file = inputs[0]!;
    const shown = displayName(file);
    const progress = a.json ? undefined : makeProgress('evaluating');
    const one = await checkFile(file, a, ctx, { onProgress: progress?.update, keep: a.report !== undefined });
    progress?.finish();
    const { report, recovered } = one;
    if (report.kind === 'decision' && report.engineFallback) warn(report.engineFallback);
    if (a.report !== undefined && report.kind === 'decision') {
      const entry: ReportEntry = {
        input: shown,
        report,
        record: { instance: one.record.instance as string, run: one.record.provenance as RunRecord },
        ...(one.kept ?? {}),
      };
      writeOutputAtomic(a.report, await renderReport([entry], `seth check ${shown}`));
    }
    if (a.json) print(JSON.stringify(one.record));
    else {
      if (recovered) {
        const what = one.kind === 'output' ? `the instance ${file} answers` : `${file} exactly`;
        print(`source     rebuilt from the ${one.kind}'s provenance: ${recovered.origin}; the chain reproduces ${what}`);
      }
      if (a.explain && report.kind === 'decision') print(explainCheck(shown, report, ctx.reductions));
      print(report.kind === 'decision' ? formatReport(shown, report) : formatMatmulReport(report));
    }
    return exitCodeOf(report);
  },
});

export interface CheckedFile {
  report: CheckReport;
  recovered: RecoveredSource | undefined;
  /** What the input was: a source, a model, an output. */
  kind: CheckTarget['kind'];
  /** `check --json`: the report with tool, version, input, instance fingerprint and run record. */
  record: Record<string, unknown>;
  /** The model and X_L behind a decision (kept for reports). */
  kept?: { model: TransformerModel; output: Float64Array };
}

/**
 * Check one file with parsed `seth check` arguments: what the file is decides what is checked
 * (src/cli/check-target.ts: a model or output through the source its provenance records, rebuilt
 * and compared with the file), then the one checker runs.
 */
export async function checkFile(
  file: string,
  a: CheckArgs,
  ctx: CommandContext,
  how: {
    onProgress?: ((done: number, total: number) => void) | undefined;
    keep?: boolean;
    engine?: { engine: Engine; fallbackReason?: string | undefined };
  } = {},
): Promise<CheckedFile> {
  const budget = budgetOf(a);
  const target = checkTarget(file, budget, ctx.reductions);
  const { recovered, instance } = target;
  const engine = engineOf(a);
  // A model or output is checked through the options its provenance records, not the command line's.
  const chainOptions = recovered ? recovered.options : ctx.reductionOptions;
  if (!recovered && (chainOptions.layers !== undefined || chainOptions.heads !== undefined))
    refuseUnusedShape(chooseChain(instance.problem, { reductions: ctx.reductions, to: a.to, via: viaOf(a.via) }), chainOptions, ctx.reductions);
  const outputFile = a.output ?? target.output;
  let kept: { model: TransformerModel; output: Float64Array } | undefined;
  const report = await checkInstance(instance, {
    reductions: ctx.reductions,
    reductionOptions: chainOptions,
    to: a.to,
    via: recovered ? recovered.via : viaOf(a.via),
    expectModel: target.expectModel,
    engine: engine.engine,
    engineOptions: engine.engineOptions,
    engineSeed: engine.seed,
    dtype: engine.dtype,
    engineInstance: how.engine,
    keep: how.keep ? (k) => (kept = k) : undefined,
    budget,
    onProgress: how.onProgress,
    externalOutput: outputFile !== undefined ? externalOutputLoader(outputFile, budget) : undefined,
  });
  const out: CheckedFile = { report, recovered, kind: target.kind, record: checkRecord(file, instance, report, a.output) };
  if (kept) out.kept = kept;
  return out;
}

/** `check --json`: the report with what identifies the run (tool, input, instance fingerprint, run record). */
export function checkRecord(file: string, instance: Instance, report: CheckReport, output?: string): Record<string, unknown> {
  const fingerprint = instanceFingerprint(instance);
  const inputs = [file, ...(output !== undefined ? [output] : [])].filter((f) => !isStdio(f) && existsSync(f) && statSync(f).isFile());
  return {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    input: isStdio(file) ? '<stdin>' : resolve(file),
    instance: fingerprint,
    ...report,
    provenance: runRecord({ instance: fingerprint, provenance: instance.data.provenance, inputs }),
  };
}

interface BatchResult {
  input: string;
  one?: CheckedFile;
  error?: string;
  code: number;
}

/**
 * Many inputs in one process: a pool of `--jobs` engines made once, inputs checked `--jobs` at a
 * time; a line per input as it finishes (or, with --jsonl/--json, one JSON object per input on
 * stdout), then a summary table (on stderr with --jsonl, so stdout stays one object per line).
 * Exit 1 if any input disagrees with its oracle or its witness does not verify, else 2 if any
 * input could not be checked (bad file, refusal), else 0.
 */
async function checkBatch(inputs: readonly string[], a: CheckArgs, ctx: CommandContext): Promise<number> {
  if (a.output !== undefined) throw new UserError('--output names the X_L of one instance; in a batch, give the output files themselves as inputs');
  if (a.explain) throw new UserError('--explain narrates one check; give one input');
  const jsonl = a.jsonl || a.json;
  const e = engineOf(a);
  const budget = budgetOf(a);
  const pool = await Promise.all(
    Array.from({ length: Math.min(a.jobs, inputs.length) }, () => createEngine(e.engine, e.dtype, { budget, seed: e.seed, options: e.engineOptions })),
  );
  if (pool[0]?.fallbackReason) warn(pool[0].fallbackReason);
  const wantReport = a.report !== undefined;
  // A report draws the details of at most 3 inputs (disagreements, then the smallest margins): keep only those.
  const keeper = new DetailKeeper(3);
  const t0 = performance.now();
  let results: BatchResult[];
  try {
    results = await runAll(
      inputs,
      a.jobs,
      async (input, slot): Promise<BatchResult> => {
        try {
          const one = await checkFile(input, a, ctx, { keep: wantReport, engine: pool[slot]! });
          if (one.kept && one.report.kind === 'decision') keeper.offer(input, one.report, one.kept);
          delete one.kept;
          return { input, one, code: exitCodeOf(one.report) };
        } catch (err) {
          if (err instanceof UserError) return { input, error: err.message, code: 2 };
          throw err;
        }
      },
      (_, r) => {
        if (jsonl) print(JSON.stringify(r.one ? r.one.record : { input: isStdio(r.input) ? '<stdin>' : resolve(r.input), error: r.error }));
        else print(batchLine(r));
      },
    );
  } finally {
    for (const p of pool) await p.engine.close?.();
  }
  const summary = batchSummary(results, performance.now() - t0, a.jobs);
  if (jsonl) process.stderr.write(`${summary}\n`);
  else print(`\n${summary}`);
  if (a.report !== undefined) {
    const entries: ReportEntry[] = results.map((r) =>
      r.one && r.one.report.kind === 'decision'
        ? {
            input: r.input,
            report: r.one.report,
            record: { instance: r.one.record.instance as string, run: r.one.record.provenance as RunRecord },
            ...(keeper.get(r.input) ?? {}),
          }
        : { input: r.input, error: r.error ?? 'not a decision (matmul batch): check it on its own' },
    );
    writeOutputAtomic(a.report, await renderReport(entries, `seth check: ${inputs.length} inputs`, runRecord()));
  }
  return results.some((r) => r.code === 1) ? 1 : results.some((r) => r.code !== 0) ? 2 : 0;
}

/** The artifacts of the inputs a batch report shows in detail, kept while the batch runs. */
class DetailKeeper {
  private readonly kept = new Map<string, { rank: [number, number]; a: { model: TransformerModel; output: Float64Array } }>();
  constructor(private readonly max: number) {}
  offer(input: string, r: DecisionReport, a: { model: TransformerModel; output: Float64Array }): void {
    this.kept.set(input, { rank: [r.agree === false ? 0 : 1, r.margin], a });
    if (this.kept.size <= this.max) return;
    let worst: string | undefined;
    for (const [k, v] of this.kept) {
      const w = worst === undefined ? undefined : this.kept.get(worst)!.rank;
      if (!w || v.rank[0] > w[0] || (v.rank[0] === w[0] && v.rank[1] > w[1])) worst = k;
    }
    this.kept.delete(worst!);
  }
  get(input: string): { model: TransformerModel; output: Float64Array } | undefined {
    return this.kept.get(input)?.a;
  }
}

function batchLine(r: BatchResult): string {
  if (!r.one) return `✗ ${r.input}: ${r.error}`;
  const p = r.one.report;
  if (p.kind !== 'decision') return `${p.agree ? '✓' : '✗'} ${r.input}: ${p.agree ? 'products agree' : 'products DISAGREE'}`;
  const verdict = p.agree === false ? '✗ DISAGREE' : p.agree === null ? '–' : '✓';
  const witness = p.witnessVerified === null ? '' : p.witnessVerified ? ', witness ✓' : ', witness ✗';
  return `${verdict} ${r.input}: ${p.answer} (oracle ${p.oracle ?? 'skipped'}${witness}), margin ${p.margin.toFixed(4)}, ${fmtMs(p.timingsMs.total)}`;
}

/** The summary table of a batch: counts, then margins and time. */
function batchSummary(results: readonly BatchResult[], wallMs: number, jobs: number): string {
  const done = results.flatMap((r) => (r.one && r.one.report.kind === 'decision' ? [r.one.report] : []));
  const positives = done.filter((r) => r.witnessVerified !== null);
  const margins = done.map((r) => r.margin);
  const sum = (f: (r: DecisionReport) => number): number => done.reduce((s, r) => s + f(r), 0);
  const rows: string[][] = [
    ['inputs', String(results.length), ''],
    ['decided', String(done.length), results.length > done.length ? `${results.length - done.length} not decided (errors or matmul batches)` : ''],
    ['agree with the oracle', `${done.filter((r) => r.agree === true).length}`, `${done.filter((r) => r.agree === false).length} disagree`],
    ['witness verified', `${positives.filter((r) => r.witnessVerified === true).length}`, `of ${positives.length} positive answers`],
    [
      'answers',
      '',
      Object.entries(countOf(done.map((r) => r.answer)))
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    ['margin min', margins.length ? Math.min(...margins).toFixed(4) : '–', ''],
    ['margin median', margins.length ? median(margins).toFixed(4) : '–', ''],
    ['robust to ±1/(10n)', String(done.filter((r) => r.robustToOutputError).length), `of ${done.length}`],
    [
      'time (sum of checks)',
      fmtMs(sum((r) => r.timingsMs.total)),
      `forward ${fmtMs(sum((r) => r.timingsMs.forward))}, evaluate ${fmtMs(sum((r) => r.timingsMs.evaluate))}, decode ${fmtMs(sum((r) => r.timingsMs.decode))}, oracle ${fmtMs(sum((r) => r.timingsMs.oracle))}`,
    ],
    ['time (wall)', fmtMs(wallMs), `${jobs} job${jobs === 1 ? '' : 's'}`],
  ];
  return table(['', 'count', ''], rows);
}

function countOf(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Read X_L from a file and check it against the model the chain built (shape, values, provenance). */
function externalOutputLoader(path: string, budget: MemoryBudget) {
  return (model: TransformerModel): { data: Float64Array; origin: string; dtype: DType } => {
    const o = loadOutput(path, model, { budget });
    const cmd = o.computedBy?.command;
    const by = typeof cmd === 'string' ? `, computed by \`${cmd}\`` : o.computedBy ? `, computed by ${JSON.stringify(o.computedBy)}` : '';
    return {
      data: o.output,
      dtype: o.dtype,
      origin: `read from ${o.path} (${o.format}, ${o.dtype}; fingerprint ${o.fingerprint}, provenance ${o.provenance}${by})`,
    };
  };
}

export function exitCodeOf(r: CheckReport): number {
  if (r.kind === 'products') return r.agree && r.ratioWithinLimit ? 0 : 1;
  const positive = isPositive(r.answer);
  return r.agree !== false && (!positive || r.witnessVerified === true) ? 0 : 1;
}

const ok = (b: boolean | null): string => (b === null ? '–' : b ? '✓' : '✗');

export function formatReport(file: string, r: DecisionReport): string {
  const p = r.params;
  const last = r.steps[r.steps.length - 1]!;
  const tensor = last.to === 'tensor-attention';
  const witness = Array.isArray(r.witness) ? r.witness.join(' ') : r.witness === null ? '—' : JSON.stringify(r.witness);
  const rows: [string, string][] = [
    [
      'instance',
      `${file} (${r.problem}: ${Object.entries(r.sourceSizes)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')})`,
    ],
    ['source', formatOrigin(r.source.provenance)],
    ['chain', r.chain.join(' → ')],
    tensor
      ? [
          'model',
          `tensor attention: ${last.measured.queries} queries × ${last.measured.keys1}·${last.measured.keys2} key pairs · width ${p.width} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}`,
        ]
      : [
          'model',
          `tokens ${p.tokens} · width ${p.width} · layers ${p.layers} · heads ${p.heads} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}${p.causal ? ' · causal' : ''}${p.kvGroups !== null ? ` · ${p.kvGroups} K/V group(s)` : ''}${p.betaBelowBound ? ` · BELOW THE BOUND: ${p.betaBelowBound}` : ''}`,
        ],
    ...r.steps.map((s): [string, string] => [`sizes ${s.reduction}`, formatStepSizes(s)]),
    [
      'regime',
      `width/log₂n = ${r.regime.widthOverLog2Tokens.toFixed(2)}, max|entry|/log₂n = ${r.regime.maxEntryOverLog2Tokens.toFixed(2)}` +
        (r.regime.maxEntryOverCbrtLog2Tokens !== undefined
          ? `, max|entry|/∛log₂n = ${r.regime.maxEntryOverCbrtLog2Tokens.toFixed(2)} (n = ${p.tokens} tokens in all)`
          : ''),
    ],
    ['output', `${r.outputOrigin}, ${fmtMs(r.timingsMs.evaluate)}`],
    ['decision', `statistic ${r.statistic.toFixed(6)} vs threshold ${r.threshold} → margin ${r.margin.toFixed(4)}`],
    ['robust', `${ok(r.robustToOutputError)} decision unchanged with every output entry moved by ±1/(10·${p.tokens}) = ±${r.tolerance.toExponential(2)}`],
    ['answer', `${r.answer} (decoded from X_L)`],
    ['oracle', `${r.oracle ?? 'skipped'} (${r.oracleName}) ${r.agree === null ? '' : r.agree ? '✓ agree' : '✗ DISAGREE'}`],
    ['witness', `${witness}${r.witnessVerified === null ? '' : r.witnessVerified ? '  ✓ verified against the source instance' : '  ✗ NOT VERIFIED'}`],
    [
      'recovery',
      `${r.recovery.rounds} rounds, ${r.recovery.headEvaluations} single-row head evaluations, ${r.recovery.scoredPairs} query–key pairs (${(100 * r.recovery.fractionOfForwardPairs).toFixed(3)}% of the forward pass)`,
    ],
    [
      'time',
      `forward ${fmtMs(r.timingsMs.forward)}, evaluate ${fmtMs(r.timingsMs.evaluate)}, decode ${fmtMs(r.timingsMs.decode)}, oracle ${fmtMs(r.timingsMs.oracle)}, total ${fmtMs(r.timingsMs.total)}`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}
