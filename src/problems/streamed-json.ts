import { JsonRows } from '../json-rows.js';
import { rowToString, type BitMatrix } from './bit-matrix.js';
import { cnfJsonRows } from './ksat.js';
import type { Instance } from './instance.js';

/**
 * The JSON form of the instances that grow large — k-SAT, OV, 3-OV — with their rows as JsonRows
 * made one at a time (a literal view, a bit string), for the streaming writer and the
 * fingerprint: the same text as the problem's toJson, without the whole tree on the heap. Other
 * problems: undefined (their toJson is used).
 */
export function streamedJsonForm(instance: Instance): unknown {
  switch (instance.problem) {
    case 'ksat':
      return cnfJsonRows(instance.data);
    case 'ov': {
      const o = instance.data;
      return withProvenance({ problem: 'ov', dim: o.dim, A: bitRows(o.A), B: bitRows(o.B) }, o.provenance);
    }
    case '3ov': {
      const o = instance.data;
      return withProvenance({ problem: '3ov', dim: o.dim, A: bitRows(o.A), B: bitRows(o.B), C: bitRows(o.C) }, o.provenance);
    }
    default:
      return undefined;
  }
}

function bitRows(m: BitMatrix): JsonRows<string> {
  return new JsonRows(m.rows, (r) => rowToString(m, r));
}

/** `provenance` last and only when present, as the problems' toJson write it. */
function withProvenance<T extends object>(v: T, provenance: unknown): T {
  return provenance === undefined ? v : { ...v, provenance };
}
