import type { Argv } from 'yargs';
import { loadInstance } from '../../io/instance-file.js';
import { problemSpec } from '../../problems/registry.js';
import type { Provenance } from '../../provenance.js';
import { print, type Args, type CliCommand } from '../command.js';
import { budgetFrom, withForce, withJson } from '../options.js';

/** `seth info FILE`: problem, sizes, provenance; for models, measured parameters beside the declared ones. */
export const infoCommand: CliCommand = {
  command: 'info <file>',
  describe: 'show an instance\'s problem, sizes, parameters and provenance',
  builder: (y: Argv): Argv => withForce(withJson(y)),
  run(args: Args): Promise<number> {
    const inst = loadInstance(String(args.file), { budget: budgetFrom(args) });
    const spec = problemSpec(inst.problem);
    const sizes = spec.sizes(inst.data);
    const prov = inst.data.provenance;
    const info: Record<string, unknown> = { problem: inst.problem, title: spec.title, sizes };
    if (inst.problem === 'transformer' || inst.problem === 'attention') {
      const m = inst.data;
      const log2n = Math.log2(Math.max(2, m.tokens));
      info.measured = { ...sizes, beta: m.annotations.beta ?? null, scale: m.scale, residual: m.residual };
      const params = prov?.params as { declaredSizes?: Record<string, number>; sizeFormulas?: Record<string, string> } | undefined;
      if (params?.declaredSizes) info.declared = { sizes: params.declaredSizes, formulas: params.sizeFormulas, by: prov?.generator };
      info.regime = {
        widthOverLog2Tokens: m.width / log2n,
        maxEntryOverLog2Tokens: (sizes.maxAbsEntry ?? 0) / log2n,
        note: 'Theorem 3.1: width m = d + 4 = Θ(log N) for sparsified formulas, entries O(log n)',
      };
      info.annotations = m.annotations;
    }
    if (prov) info.provenance = prov;
    if (args.json) {
      print(JSON.stringify(info, null, 2));
      return Promise.resolve(0);
    }
    const lines = [`problem:    ${inst.problem} (${spec.title})`, `sizes:      ${fmt(sizes)}`];
    if (info.measured) lines.push(`measured:   ${fmt(info.measured as Record<string, unknown>)}`);
    const declared = info.declared as { sizes: Record<string, number>; formulas?: Record<string, string>; by?: string } | undefined;
    if (declared) {
      lines.push(`declared by ${declared.by}:`);
      for (const [k, v] of Object.entries(declared.sizes)) {
        const measured = sizes[k];
        lines.push(`  ${k.padEnd(12)} ${String(declared.formulas?.[k] ?? '').padEnd(28)} = ${v}   measured ${measured}${measured === v ? '  ✓' : '  ✗'}`);
      }
    }
    if (info.regime) {
      const r = info.regime as { widthOverLog2Tokens: number; maxEntryOverLog2Tokens: number; note: string };
      lines.push(`regime:     width/log₂n = ${r.widthOverLog2Tokens.toFixed(2)}, max|entry|/log₂n = ${r.maxEntryOverLog2Tokens.toFixed(2)} (${r.note})`);
    }
    if (prov) lines.push(...describeProvenance(prov, ''));
    print(lines.join('\n'));
    return Promise.resolve(0);
  },
};

function fmt(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k} = ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : String(v)}`)
    .join(', ');
}

function describeProvenance(p: Provenance, indent: string): string[] {
  const lines = [
    `${indent}made by:    ${p.generator} (${p.tool} ${p.version}), seed ${p.seed ?? 'none'}`,
    `${indent}command:    ${p.command}`,
  ];
  if (p.expected) lines.push(`${indent}expected:   ${p.expected.answer} (${p.expected.source}${p.expected.oracle ? `: ${p.expected.oracle}` : ''})`);
  if (p.from) lines.push(`${indent}from:`, ...describeProvenance(p.from, `${indent}  `));
  return lines;
}
