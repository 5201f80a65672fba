import type { Argv } from 'yargs';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { readInputBytes } from '../../io/files.js';
import { parseInstance } from '../../io/instance-file.js';
import { isModelFile, loadModelFile, modelFileFromSafetensors, type ModelFile } from '../../io/model-file.js';
import { TRANSFORMER_FORMAT } from '../../formats/transformer-tensors.js';
import { readSafetensors } from '../../formats/safetensors.js';
import { isOutputJson, readOutputInfo, type OutputFileInfo } from '../../io/output-info.js';
import { displayName } from '../../io/files.js';
import type { MemoryBudget } from '../../memory.js';
import type { Instance } from '../../problems/instance.js';
import { problemSpec } from '../../problems/registry.js';
import type { Provenance } from '../../provenance.js';
import { print, type Args, type CliCommand } from '../command.js';
import { expandInputs, filesOf, isBatch } from '../batch.js';
import { UserError } from '../../errors.js';
import { budgetFrom, withForce, withJson } from '../options.js';

/**
 * `seth info FILE`: what a file is. Every file the workbench writes is accepted: instances (DIMACS,
 * JSON), exported models (ONNX, safetensors, .npy folders) and outputs (X_L as .npy + sidecar,
 * .safetensors or JSON). Problem, sizes, fingerprint and provenance; for models, the measured
 * parameters beside the declared ones.
 */
export const infoCommand: CliCommand = {
  command: 'info <files..>',
  describe: 'show what files hold: problem, sizes, parameters, fingerprint and provenance (instances, exported models, outputs; several files, folders, globs)',
  builder: (y: Argv): Argv =>
    withForce(withJson(y)).option('jsonl', { type: 'boolean', default: false, describe: 'several inputs: one JSON object per input' }),
  run(args: Args): Promise<number> {
    const given = filesOf(args);
    const inputs = expandInputs(given);
    const budget = budgetFrom(args);
    if (!isBatch(given, inputs)) {
      const { info, rows } = describeFile(inputs[0]!, budget);
      print(args.json ? JSON.stringify(info, null, 2) : formatRows(rows));
      return Promise.resolve(0);
    }
    // A batch: every input described, a bad one reported on its line (exit 2 at the end), the rest go on.
    let code = 0;
    inputs.forEach((input, i) => {
      try {
        const { info, rows } = describeFile(input, budget);
        if (args.jsonl || args.json) print(JSON.stringify({ input, ...info }));
        else print(`${i > 0 ? '\n' : ''}== ${input}\n${formatRows(rows)}`);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        code = 2;
        if (args.jsonl || args.json) print(JSON.stringify({ input, error: e.message }));
        else print(`${i > 0 ? '\n' : ''}== ${input}\n✗ ${e.message}`);
      }
    });
    return Promise.resolve(code);
  },
};

type Row = [string, string];

/** Label column as wide as the widest label; nested provenance indented under its label. */
export function formatRows(rows: readonly Row[]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => (v === '' ? k : `${k.padEnd(w)}  ${v}`)).join('\n');
}

export function describeFile(path: string, budget: MemoryBudget): { info: Record<string, unknown>; rows: Row[] } {
  if (path.toLowerCase().endsWith('.safetensors')) {
    const f = readSafetensors(path, { budget });
    return f.metadata.format === TRANSFORMER_FORMAT ? describeModelFile(modelFileFromSafetensors(path, f)) : describeOutput(readOutputInfo(path, budget));
  }
  if (isModelFile(path)) return describeModelFile(loadModelFile(path, budget));
  if (path.toLowerCase().endsWith('.npy')) return describeOutput(readOutputInfo(path, budget));
  const name = displayName(path);
  const bytes = readInputBytes(path, budget.force ? Number.POSITIVE_INFINITY : budget.limitBytes / 12);
  const text = bytes.subarray(0, 1).toString() === '{' ? tryJson(bytes) : undefined;
  if (isOutputJson(text)) return describeOutput(readOutputInfo(path, budget));
  return describeInstance(parseInstance(bytes, name, { budget }));
}

function tryJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function fmt(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k} = ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : String(v)}`)
    .join(', ');
}

function describeInstance(inst: Instance): { info: Record<string, unknown>; rows: Row[] } {
  const spec = problemSpec(inst.problem);
  const sizes = spec.sizes(inst.data);
  const prov = inst.data.provenance;
  const fingerprint = instanceFingerprint(inst);
  const info: Record<string, unknown> = { problem: inst.problem, title: spec.title, sizes, fingerprint };
  const rows: Row[] = [
    ['problem', `${inst.problem} (${spec.title})`],
    ['sizes', fmt(sizes)],
  ];
  if (inst.problem === 'transformer' || inst.problem === 'attention') {
    const m = inst.data;
    const log2n = Math.log2(Math.max(2, m.tokens));
    info.measured = { ...sizes, beta: m.annotations.beta ?? null, scale: m.scale, residual: m.residual };
    rows.push(['measured', fmt(info.measured as Record<string, unknown>)]);
    const params = prov?.params as { declaredSizes?: Record<string, number>; sizeFormulas?: Record<string, string> } | undefined;
    if (params?.declaredSizes) {
      info.declared = { sizes: params.declaredSizes, formulas: params.sizeFormulas, by: prov?.generator };
      const keys = Object.keys(params.declaredSizes);
      const fw = Math.max(...keys.map((k) => (params.sizeFormulas?.[k] ?? '').length));
      const vw = Math.max(...keys.map((k) => String(params.declaredSizes![k]).length));
      rows.push([`declared by ${prov?.generator}`, '']);
      for (const k of keys) {
        const v = params.declaredSizes[k]!;
        const f = params.sizeFormulas?.[k] ?? '';
        const measured = sizes[k];
        rows.push([
          `  ${k}`,
          `${(f === k ? '(option)' : f).padEnd(fw)} = ${String(v).padStart(vw)}   measured ${String(measured).padEnd(vw)}  ${measured === v ? '✓' : '✗'}`,
        ]);
      }
    }
    info.regime = {
      widthOverLog2Tokens: m.width / log2n,
      maxEntryOverLog2Tokens: (sizes.maxAbsEntry ?? 0) / log2n,
      note: 'Theorem 3.1: width m = d + 4 = Θ(log N) for sparsified formulas, entries O(log n)',
    };
    const r = info.regime as { widthOverLog2Tokens: number; maxEntryOverLog2Tokens: number; note: string };
    rows.push(['regime', `width/log₂n = ${r.widthOverLog2Tokens.toFixed(2)}, max|entry|/log₂n = ${r.maxEntryOverLog2Tokens.toFixed(2)} (${r.note})`]);
    info.annotations = m.annotations;
  }
  rows.push(['fingerprint', fingerprint]);
  if (prov) {
    info.provenance = prov;
    rows.push(...provenanceRows(prov, ''));
  }
  return { info, rows };
}

function describeModelFile(f: ModelFile): { info: Record<string, unknown>; rows: Row[] } {
  const base = f.model ? describeInstance({ problem: f.config.problem, data: f.model }) : undefined;
  const info: Record<string, unknown> = { file: f.format, dtype: f.dtype, config: f.config, ...f.details, ...(base?.info ?? {}) };
  if (f.fingerprint) info.recordedFingerprint = f.fingerprint;
  const rows: Row[] = [
    [
      'file',
      `${f.format} (${f.dtype})${f.format === 'onnx' ? `: opset ${String(f.details.opset)}, heads ${String(f.details.heads)}, ${String(f.details.initializers)} initializers, ${String(f.details.nodes)} nodes; X is the graph input, not stored` : ''}`,
    ],
  ];
  if (base) rows.push(...base.rows);
  else {
    info.problem = f.config.problem;
    rows.push(['problem', `${f.config.problem} (${problemSpec(f.config.problem).title})`], ['config', fmt(f.config)]);
    if (f.provenance) {
      info.provenance = f.provenance;
      rows.push(...provenanceRows(f.provenance, ''));
    }
  }
  if (f.fingerprint) rows.push(['recorded fingerprint', `${f.fingerprint} (of the float64 model it was exported from)`]);
  return { info, rows };
}

function describeOutput(o: OutputFileInfo): { info: Record<string, unknown>; rows: Row[] } {
  const info: Record<string, unknown> = { problem: 'transformer-output', file: o.format, shape: o.shape, dtype: o.dtype, ...o.meta };
  if (o.perHead) info.perHeadShape = o.perHead;
  const rows: Row[] = [
    ['problem', `transformer-output (X_L, ${o.format}${o.sidecar ? ` + sidecar ${o.sidecar}` : ''})`],
    ['shape', `[${o.shape.join(', ')}] ${o.dtype}`],
    ['per-head', o.perHead ? `[${o.perHead.join(', ')}] (layers × heads × tokens × width)` : 'not written (seth eval --per-head writes them)'],
    ['instance', o.meta.instance_fingerprint ?? 'fingerprint not recorded'],
  ];
  const by = o.meta.computed_by;
  if (by)
    rows.push([
      'computed by',
      typeof by.command === 'string'
        ? `${by.command}${typeof by.params === 'object' ? ` (${fmt(by.params as Record<string, unknown>)})` : ''}`
        : JSON.stringify(by),
    ]);
  if (o.meta.instance_provenance) {
    rows.push(['instance made by', '']);
    rows.push(...provenanceRows(o.meta.instance_provenance, '  '));
  }
  return { info, rows };
}

function provenanceRows(p: Provenance, indent: string): Row[] {
  const rows: Row[] = [
    [`${indent}made by`, `${p.generator} (${p.tool} ${p.version}), seed ${p.seed ?? 'none'}`],
    [`${indent}command`, p.command],
  ];
  if (p.location) rows.push([`${indent}read from`, `${p.location}${p.embedded !== undefined ? ' (embedded in this file)' : ''}`]);
  if (p.run) {
    const r = p.run;
    rows.push([`${indent}run`, `${r.time} · node ${r.node} · ${r.platform}${r.commit ? ` · commit ${r.commit.slice(0, 12)}` : ''}`]);
    for (const i of r.inputs) rows.push([`${indent}input`, `${i.path} (${i.bytes} bytes, ${i.sha256})`]);
  }
  if (p.expected) rows.push([`${indent}expected`, `${p.expected.answer} (${p.expected.source}${p.expected.oracle ? `: ${p.expected.oracle}` : ''})`]);
  if (p.from) rows.push([`${indent}from`, ''], ...provenanceRows(p.from, `${indent}  `));
  return rows;
}
