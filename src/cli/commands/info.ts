import { z } from 'zod';
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
import { modelOf, problemSpec } from '../../problems/registry.js';
import type { Provenance } from '../../provenance.js';
import { defineCommand, print } from '../command.js';
import { expandInputs, isBatch } from '../batch.js';
import { UserError } from '../../errors.js';
import { budgetOf, forceArgs, inputsArg, jsonArgs, jsonlArgs } from '../options.js';

const InfoArgs = z.object({
  files: inputsArg(
    'the files: instances (DIMACS or JSON), exported models (ONNX, safetensors, .npy folder), outputs X_L; several files, folders or globs (- for stdin)',
  ),
  ...jsonArgs,
  ...forceArgs,
  ...jsonlArgs,
});

/**
 * `seth info FILE`: what a file is. Every file the workbench writes is accepted: instances (DIMACS,
 * JSON), exported models (ONNX, safetensors, .npy folders) and outputs (X_L as .npy + sidecar,
 * .safetensors or JSON). Problem, sizes, fingerprint and provenance; for models, the measured
 * parameters beside the declared ones.
 */
export const infoCommand = defineCommand({
  command: 'info <files..>',
  describe: 'show what files hold: problem, sizes, parameters, fingerprint and provenance (instances, exported models, outputs; several files, folders, globs)',
  args: InfoArgs,
  run(a): Promise<number> {
    const inputs = expandInputs(a.files);
    const budget = budgetOf(a);
    if (!isBatch(a.files, inputs)) {
      const { info, rows } = describeFile(inputs[0]!, budget);
      print(a.json ? JSON.stringify(info, null, 2) : formatRows(rows));
      return Promise.resolve(0);
    }
    // A batch: every input described, a bad one reported on its line (exit 2 at the end), the rest go on.
    const perLine = a.jsonl || a.json;
    let code = 0;
    inputs.forEach((input, i) => {
      try {
        const { info, rows } = describeFile(input, budget);
        if (perLine) print(JSON.stringify({ input, ...info }));
        else print(`${i > 0 ? '\n' : ''}== ${input}\n${formatRows(rows)}`);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        code = 2;
        if (perLine) print(JSON.stringify({ input, error: e.message }));
        else print(`${i > 0 ? '\n' : ''}== ${input}\n✗ ${e.message}`);
      }
    });
    return Promise.resolve(code);
  },
});

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

/** What a chain's last step records of the sizes it declared (src/reduction/chain.ts), as far as info shows it. */
const DeclaredParams = z.object({
  declaredSizes: z.record(z.string(), z.number()).optional(),
  sizeFormulas: z.record(z.string(), z.string()).optional(),
});

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
  const m = modelOf(inst);
  if (m) {
    const log2n = Math.log2(Math.max(2, m.tokens));
    const measured = { ...sizes, beta: m.annotations.beta ?? null, scale: m.scale, residual: m.residual };
    info.measured = measured;
    rows.push(['measured', fmt(measured)]);
    const params = DeclaredParams.safeParse(prov?.params);
    const declaredSizes = params.success ? params.data.declaredSizes : undefined;
    if (declaredSizes) {
      const formulas = params.success ? params.data.sizeFormulas : undefined;
      info.declared = { sizes: declaredSizes, formulas, by: prov?.generator };
      const keys = Object.keys(declaredSizes);
      const fw = Math.max(...keys.map((k) => (formulas?.[k] ?? '').length));
      const vw = Math.max(...keys.map((k) => String(declaredSizes[k]).length));
      rows.push([`declared by ${prov?.generator}`, '']);
      for (const k of keys) {
        const v = declaredSizes[k]!;
        const f = formulas?.[k] ?? '';
        const measuredK = sizes[k];
        rows.push([
          `  ${k}`,
          `${(f === k ? '(option)' : f).padEnd(fw)} = ${String(v).padStart(vw)}   measured ${String(measuredK).padEnd(vw)}  ${measuredK === v ? '✓' : '✗'}`,
        ]);
      }
    }
    const regime = {
      widthOverLog2Tokens: m.width / log2n,
      maxEntryOverLog2Tokens: (sizes.maxAbsEntry ?? 0) / log2n,
      note: 'Theorem 3.1: width m = d + 4 = Θ(log N) for sparsified formulas, entries O(log n)',
    };
    info.regime = regime;
    rows.push([
      'regime',
      `width/log₂n = ${regime.widthOverLog2Tokens.toFixed(2)}, max|entry|/log₂n = ${regime.maxEntryOverLog2Tokens.toFixed(2)} (${regime.note})`,
    ]);
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

/** The parameters an output's `computed_by` records (engine, dtype, …). */
const Params = z.record(z.string(), z.unknown());

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
  if (by) {
    const params = Params.safeParse(by.params);
    rows.push(['computed by', typeof by.command === 'string' ? `${by.command}${params.success ? ` (${fmt(params.data)})` : ''}` : JSON.stringify(by)]);
  }
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
