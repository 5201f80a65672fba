import type { DecisionReport } from '../check/run.js';
import { isPositive } from '../problems/answer.js';

/** The narrative `seth check --explain` prints after the check: what each step of the chain did, with this run's numbers. */
export function explainCheck(file: string, r: DecisionReport): string {
  const p = r.params;
  const s = r.sourceSizes;
  const lines: string[] = [
    `What seth check just did with ${file}:`,
    '',
  ];
  let n = 1;
  const step = (text: string): void => {
    lines.push(`${n++}. ${text}`);
  };
  if (r.problem === 'ksat') {
    step(`Read a CNF formula with ${s.vars} variables and ${s.clauses} clauses (k = ${s.k}).`);
  } else {
    step(`Read a ${r.problem} instance (${Object.entries(s).map(([k, v]) => `${k} = ${v}`).join(', ')}).`);
  }
  for (const st of r.steps) {
    if (st.reduction === 'ksat-to-3ov') {
      step(
        `Split and list (Williams): the variables are cut into V1, V2, V3; every assignment of a part becomes a 0/1 vector with ` +
          `a 0 at each clause it satisfies. |A| = ${st.declared.sizeA}, |B| = ${st.declared.sizeB}, |C| = ${st.declared.sizeC}, d = ${st.declared.dim}. ` +
          `The formula is satisfiable iff some a, b, c have no coordinate where all three are 1.`,
      );
    } else if (st.reduction === 'ksat-to-ov') {
      step(`Split and list (Williams): |A| = ${st.declared.sizeA}, |B| = ${st.declared.sizeB}, d = ${st.declared.dim}; satisfiable iff some a ⊥ b.`);
    } else if (st.reduction === '3ov-to-transformer') {
      step(
        `Built one transformer (arXiv 2603.11332, Thm 3.1): A, B and a dummy become ${p.tokens} tokens of width d + 4 = ${p.width}; ` +
          `${headsText(p.layers, p.heads, sizeC(r))} in W_Q, with β = ${p.beta}. For an A token, a head attends ` +
          `almost only to B tokens orthogonal to a∘c (score 0) or, failing those, to the dummy (score −β/2), and adds 1 or ≈0 to an accumulator coordinate.`,
      );
    } else if (st.reduction === 'ov-to-attention') {
      step(`Built one attention head on ${p.tokens} tokens of width ${p.width} (β = ${p.beta}): an A token's accumulator is ≈1 iff some b ⊥ a.`);
    } else if (st.reduction === 'ov-to-3ov') {
      step('Padded OV to 3-OV with C = {all-ones}.');
    } else {
      step(`Applied ${st.reduction}.`);
    }
  }
  step(`Evaluated the model: ${r.outputOrigin}.`);
  step(
    `Decoded from X_L alone: the largest accumulator over A tokens is ${r.statistic.toFixed(4)}, ${r.statistic > r.threshold ? 'above' : 'below'} ½ ` +
      `(margin ${r.margin.toFixed(3)}), so the answer is ${r.answer}. Moving every output entry by ±1/(10n) ${r.robustToOutputError ? 'does not change' : 'CHANGES'} it.`,
  );
  if (isPositive(r.answer)) {
    step(
      `Recovered a witness with ${r.recovery.rounds} rounds of single-row evaluations of the same heads (which head fired, then halving B), ` +
        `mapped it back through the chain, and checked it against the original instance: ${r.witnessVerified ? 'it verifies' : 'it does NOT verify'}.`,
    );
  }
  step(`Asked an independent oracle (${r.oracleName}): ${r.oracle ?? 'skipped'}. ${r.agree ? 'They agree.' : r.agree === null ? '' : 'They DISAGREE.'}`);
  lines.push('');
  return lines.join('\n');
}

/** |C| of the 3-OV instance the transformer was built from (the source itself, or the ksat-to-3ov step). */
function sizeC(r: DecisionReport): number | undefined {
  if (r.problem === '3ov') return r.sourceSizes.sizeC;
  return r.steps.find((st) => st.reduction === 'ksat-to-3ov')?.declared.sizeC;
}

/** "the 3·5 = 15 heads carry the 8 vectors of C, one each (8 distinct heads; the other 7 repeat vectors of C)". */
export function headsText(layers: number, heads: number, c: number | undefined): string {
  const total = layers * heads;
  if (c === undefined || c === total) return `each of the ${layers}·${heads} = ${total} heads carries one vector c of C`;
  if (c > total) return `the ${layers}·${heads} = ${total} heads carry ${total} of the ${c} vectors of C, one each`;
  const repeats = total - c;
  return (
    `the ${layers}·${heads} = ${total} heads carry the ${c} vector${c === 1 ? '' : 's'} of C, one each: ${c} distinct head${c === 1 ? '' : 's'}, ` +
    `and the other ${repeats} repeat${repeats === 1 ? 's' : ''} a vector of C (repeats add nothing new)`
  );
}
