/**
 * The fuzz suite's engine (issue #10): for every reader of untrusted input, valid inputs made by
 * grammar-aware generators (fast-check arbitraries, serialised by the project's writers) are
 * mutated with a seeded RNG (byte flips, token insertions from a per-format dictionary, deletions,
 * duplications, truncations, deep nesting, huge numbers). Each outcome is classified:
 *   accepted     — and equal to an independent re-parse (a small reader written here, or
 *                  JSON.parse + the schema); unequal = "implausible accept" (a failure);
 *   rejected     — a UserError whose one-line message names the input (and, for text formats,
 *                  line:col or a field path);
 *   crash        — anything else (another exception, an unpositioned or multi-line message);
 *   hang         — a case over the per-case time limit (measured; the readers are synchronous).
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../../src/errors.js';
import { writeDimacs } from '../../src/formats/dimacs.js';
import { encodeNpy, parseNpy } from '../../src/formats/npy.js';
import type { NpyArray } from '../../src/formats/elements.js';
import { encodeSafetensors, parseSafetensors } from '../../src/formats/safetensors.js';
import { OUTPUT_FORMAT, OutputMetaSchema, parseSidecar } from '../../src/formats/tensor-output.js';
import { parseInstance } from '../../src/io/instance-file.js';
import { MAX_JSON_DEPTH, MAX_NUMBER_CHARS } from '../../src/io/json-text.js';
import type { Cnf } from '../../src/problems/ksat.js';
import { problemSpec } from '../../src/problems/registry.js';
import { makeRng, type Rng } from '../../src/rng.js';
import { cnfArbitrary } from '../../src/testing/arbitraries/cnf.js';
import { ovArbitrary } from '../../src/testing/arbitraries/ov.js';
import { threeOvArbitrary } from '../../src/testing/arbitraries/three-ov.js';
import { serializeInstance } from '../../src/io/instance-file.js';
import { randomTransformer } from '../../src/testing/random-transformer.js';

export type Outcome = 'accepted' | 'rejected' | 'crash' | 'hang' | 'implausible';

export interface Reader {
  name: string;
  /** Valid inputs (before mutation), from a seed. */
  seeds(rng: Rng, count: number): Uint8Array[];
  /** Tokens worth inserting for this format. */
  dictionary: readonly string[];
  /** Text formats must position their errors (line:col or a field path). */
  text: boolean;
  /** Read with the project's reader; returns a comparable value. */
  read(bytes: Uint8Array): unknown;
  /**
   * The same input read independently; undefined when the independent reader would refuse it
   * (then an accept by the project's reader is implausible unless `mayAccept` explains it).
   */
  reparse: (bytes: Uint8Array) => unknown;
}

const NAME = 'fuzz-input';
const enc = new TextEncoder();

// ------------------------------------------------------------------ independent re-parsers

function stripBom(t: string): string {
  return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
}

/** A DIMACS reader written from the format description alone (strict mode), for comparison. */
function simpleDimacs(bytes: Uint8Array): { vars: number; clauses: number[][] } | undefined {
  let text: string;
  try {
    text = stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  let header: { vars: number; clauses: number } | undefined;
  const clauses: number[][] = [];
  let cur: number[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[ \t\r\f\v]+/g, ' ').trim();
    if (line === '') continue;
    if (line.startsWith('c')) {
      // Control characters in a comment: the point of the check, not a typo.
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x08\x0e-\x1f\x7f\ufffd]/.test(raw)) return undefined;
      continue;
    }
    if (line.startsWith('%')) break;
    if (line.startsWith('p')) {
      const m = /^p cnf (0|[1-9]\d*) (0|[1-9]\d*)$/.exec(line);
      if (!m || header || clauses.length > 0 || cur) return undefined;
      header = { vars: Number(m[1]), clauses: Number(m[2]) };
      continue;
    }
    if (!header) return undefined;
    for (const tok of line.split(' ')) {
      if (!/^(0|-?[1-9]\d*)$/.test(tok)) return undefined;
      const v = Number(tok);
      if (v === 0) {
        clauses.push(cur ?? []);
        cur = undefined;
      } else {
        if (Math.abs(v) > header.vars) return undefined;
        (cur ??= []).push(v);
      }
    }
  }
  if (!header || cur || clauses.length !== header.clauses) return undefined;
  return { vars: header.vars, clauses };
}

function cnfValue(c: Cnf): { vars: number; clauses: number[][] } {
  const clauses: number[][] = [];
  for (let i = 0; i + 1 < c.offsets.length; i++) clauses.push(Array.from(c.lits.subarray(c.offsets[i], c.offsets[i + 1])));
  return { vars: c.vars, clauses };
}

/** JSON depth and number length, as the project's reader limits them (JSON.parse does not). */
function jsonWithinLimits(text: string): boolean {
  let depth = 0;
  let max = 0;
  let inStr = false;
  let run = 0; // length of the current number-like run outside strings
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (/[-+.\deE]/.test(c)) {
      if (++run > MAX_NUMBER_CHARS) return false;
      continue;
    }
    run = 0;
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max <= MAX_JSON_DEPTH;
}

function jsonInstanceReparse(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const value = JSON.parse(text) as { problem?: unknown };
    if (!jsonWithinLimits(text)) return undefined;
    if (typeof value.problem !== 'string') return undefined;
    const spec = problemSpec(value.problem as never);
    const parsed = spec.jsonSchema.safeParse(value);
    if (!parsed.success) return undefined;
    const data = spec.fromJson(parsed.data);
    return spec.toJson(data);
  } catch {
    return undefined;
  }
}

const NPY_DESCR: Record<string, { size: number; get: (v: DataView, o: number) => number }> = {
  '<f8': { size: 8, get: (v, o) => v.getFloat64(o, true) },
  '<f4': { size: 4, get: (v, o) => v.getFloat32(o, true) },
  '<i4': { size: 4, get: (v, o) => v.getInt32(o, true) },
  '|u1': { size: 1, get: (v, o) => v.getUint8(o) },
};
// One-byte elements have no byte order: numpy reads all four spellings as uint8.
NPY_DESCR['<u1'] = NPY_DESCR['>u1'] = NPY_DESCR['=u1'] = NPY_DESCR['|u1']!;

type PyToken = { kind: 'punct' | 'str' | 'name' | 'int'; text: string };

/**
 * The tokens of a Python 3 expression restricted to what an .npy header can hold (punctuation,
 * quoted strings without escapes, names, decimal integers), as Python's tokenizer splits them
 * inside brackets: blanks are space, tab, form feed, CR and LF. Undefined on anything else.
 */
function pyTokens(src: string, version: number): PyToken[] | undefined {
  const out: PyToken[] = [];
  for (let i = 0; i < src.length;) {
    const c = src[i]!;
    if (' \t\f\r\n'.includes(c)) {
      i++;
    } else if ('{}(),:'.includes(c)) {
      out.push({ kind: 'punct', text: c });
      i++;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' || src[j] === '\n' || src[j] === '\r') return undefined;
        j++;
      }
      if (j >= src.length) return undefined;
      out.push({ kind: 'str', text: src.slice(i + 1, j) });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /\w/.test(src[j]!)) j++;
      out.push({ kind: 'name', text: src.slice(i, j) });
      i = j;
    } else if (/\d/.test(c)) {
      let j = i;
      while (j < src.length && /\d/.test(src[j]!)) j++;
      const digits = src.slice(i, j);
      // Python 3: "0", "00", … or no leading zero. numpy drops a Python 2 "L" in v1/v2 headers.
      if (digits.length > 1 && digits[0] === '0' && /[1-9]/.test(digits)) return undefined;
      if (src[j] === 'L' && version <= 2) j++;
      if (j < src.length && /[\w.]/.test(src[j]!)) return undefined;
      out.push({ kind: 'int', text: digits });
      i = j;
    } else {
      return undefined;
    }
  }
  return out;
}

type PyLiteral = string | boolean | bigint | PyLiteral[] | Map<string, PyLiteral>;

/** ast.literal_eval of dicts, tuples, strings, True/False and integers, over pyTokens. */
function pyLiteral(tokens: PyToken[]): PyLiteral | undefined {
  let k = 0;
  const isPunct = (t: string): boolean => tokens[k]?.kind === 'punct' && tokens[k]!.text === t;
  const value = (): PyLiteral | undefined => {
    const t = tokens[k++];
    if (!t) return undefined;
    if (t.kind === 'str') return t.text;
    if (t.kind === 'int') return BigInt(t.text);
    if (t.kind === 'name') return t.text === 'True' ? true : t.text === 'False' ? false : undefined;
    if (t.text === '{') {
      const d = new Map<string, PyLiteral>();
      while (!isPunct('}')) {
        const key = value();
        if (typeof key !== 'string' || !isPunct(':')) return undefined;
        k++;
        const v = value();
        if (v === undefined) return undefined;
        d.set(key, v); // a repeated key: the last one wins, as in Python
        if (isPunct(',')) k++;
        else if (!isPunct('}')) return undefined;
      }
      k++;
      return d;
    }
    if (t.text === '(') {
      const items: PyLiteral[] = [];
      let comma = false;
      while (!isPunct(')')) {
        const v = value();
        if (v === undefined) return undefined;
        items.push(v);
        comma = isPunct(',');
        if (comma) k++;
        else if (!isPunct(')')) return undefined;
      }
      k++;
      // "(x)" is x itself, not a tuple.
      return items.length === 1 && !comma ? items[0]! : items;
    }
    return undefined;
  };
  const v = value();
  return k === tokens.length ? v : undefined;
}

/**
 * .npy read from the format description (v1.0–3.0, C order, the descr spellings of four element
 * types), the header evaluated as numpy does: ast.literal_eval after stripping leading spaces and
 * tabs, then the checks of numpy.lib.format (exactly the keys descr, fortran_order, shape; shape a
 * tuple of ints). Stricter than numpy in one way the project documents: the data must fill the
 * file exactly (numpy ignores trailing bytes).
 */
function simpleNpy(b: Uint8Array): { shape: number[]; data: number[] } | undefined {
  if (b.length < 10 || b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== 'NUMPY') return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const major = b[6]!;
  if (b[7] !== 0 || major < 1 || major > 3) return undefined;
  const hl = major === 1 ? v.getUint16(8, true) : b.length >= 12 ? v.getUint32(8, true) : -1;
  const hs = major === 1 ? 10 : 12;
  if (hl < 0 || hs + hl > b.length) return undefined;
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(b.subarray(hs, hs + hl));
  } catch {
    return undefined;
  }
  // Python's eval of the header: a first line indented after the strip is an IndentationError.
  const src = header.replace(/^[ \t]+/, '');
  if (!src.startsWith('{')) return undefined;
  const tokens = pyTokens(src, major);
  const dict = tokens && pyLiteral(tokens);
  if (!(dict instanceof Map) || [...dict.keys()].sort().join() !== 'descr,fortran_order,shape') return undefined;
  const descr = dict.get('descr');
  const d = typeof descr === 'string' ? NPY_DESCR[descr] : undefined;
  const shapeLit = dict.get('shape');
  if (!d || dict.get('fortran_order') !== false || !Array.isArray(shapeLit)) return undefined;
  if (!shapeLit.every((x): x is bigint => typeof x === 'bigint' && x <= BigInt(Number.MAX_SAFE_INTEGER))) return undefined;
  const shape = shapeLit.map(Number);
  const n = shape.reduce((a, x) => a * x, 1);
  if (!Number.isSafeInteger(n)) return undefined;
  const start = hs + hl;
  if (b.length - start !== n * d.size) return undefined;
  const data: number[] = [];
  for (let i = 0; i < n; i++) data.push(d.get(v, start + i * d.size));
  return { shape, data };
}

function npyValue(a: NpyArray): { shape: number[]; data: number[] } {
  return { shape: [...a.shape], data: Array.from(a.data) };
}

const ST_DTYPE: Record<string, { size: number; get: (v: DataView, o: number) => number }> = {
  F64: NPY_DESCR['<f8']!,
  F32: NPY_DESCR['<f4']!,
  I32: NPY_DESCR['<i4']!,
  U8: NPY_DESCR['|u1']!,
};

/** safetensors read from the format description; tensors must tile the data exactly. */
function simpleSafetensors(b: Uint8Array): unknown {
  if (b.length < 8) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = Number(v.getBigUint64(0, true));
  if (8 + len > b.length) return undefined;
  let header: Record<string, unknown>;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + len));
    if (!text.startsWith('{') || !jsonWithinLimits(text)) return undefined;
    header = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return undefined;
  const start = 8 + len;
  const tensors: Record<string, { shape: number[]; data: number[] }> = {};
  const spans: [number, number][] = [];
  let metadata: unknown = {};
  for (const [k, e] of Object.entries(header)) {
    if (k === '__metadata__') {
      if (e === null || typeof e !== 'object' || Array.isArray(e) || !Object.values(e).every((x) => typeof x === 'string')) return undefined;
      metadata = e;
      continue;
    }
    const t = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (t === null || typeof t !== 'object' || Object.keys(t).sort().join() !== 'data_offsets,dtype,shape') return undefined;
    const d = typeof t.dtype === 'string' ? ST_DTYPE[t.dtype] : undefined;
    if (!d || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2) return undefined;
    const shape = t.shape as number[];
    const [a, z] = t.data_offsets as number[];
    if (![...shape, a, z].every((x) => Number.isSafeInteger(x) && x! >= 0)) return undefined;
    const n = shape.reduce((p, x) => p * x, 1);
    if (z! - a! !== n * d.size || start + z! > b.length) return undefined;
    spans.push([a!, z!]);
    const data: number[] = [];
    for (let i = 0; i < n; i++) data.push(d.get(v, start + a! + i * d.size));
    tensors[k] = { shape: [...shape], data };
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let at = 0;
  for (const [a, z] of spans) {
    if (a !== at) return undefined;
    at = z;
  }
  if (start + at !== b.length) return undefined;
  return { metadata, tensors };
}

// ------------------------------------------------------------------ readers and their seeds

const DIGITS = ['0', '1', '-1', '2147483647', '2147483648', '-2147483649', '9'.repeat(40), '1e400', '00', '-0', '+1', '0.5'];
const CONTROL = ['\u0000', '\u001b[31m', '\u0007', '\ufeff', '\ufffd', '\u2028', '\r', '\t', '\n'];

function sample<T>(arb: fc.Arbitrary<T>, rng: Rng, count: number): T[] {
  return fc.sample(arb, { seed: rng.int(2 ** 31), numRuns: count });
}

function jsonSeeds(rng: Rng, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const per = Math.max(1, Math.ceil(count / 4));
  for (const c of sample(cnfArbitrary({ maxVars: 6, maxClauses: 8, maxWidth: 3 }), rng, per)) {
    out.push(enc.encode(serializeInstance({ problem: 'ksat', data: c }, 'json')));
  }
  for (const o of sample(ovArbitrary({ maxSize: 4, maxDim: 5 }), rng, per)) out.push(enc.encode(serializeInstance({ problem: 'ov', data: o })));
  for (const o of sample(threeOvArbitrary({ maxSize: 3, maxC: 3, maxDim: 4 }), rng, per)) out.push(enc.encode(serializeInstance({ problem: '3ov', data: o })));
  for (let i = 0; i < per; i++) {
    const m = randomTransformer(rng, { tokens: 1 + rng.int(3), width: 1 + rng.int(3), layers: 1 + rng.int(2), heads: 1 + rng.int(2), hidden: rng.int(3) });
    out.push(enc.encode(serializeInstance({ problem: 'transformer', data: m })));
  }
  return out;
}

export const READERS: readonly Reader[] = [
  {
    name: 'dimacs',
    text: true,
    dictionary: ['p', 'cnf', 'p cnf 3 2\n', 'c ', '%\n', ' 0\n', ' ', '\n', ...DIGITS, ...CONTROL],
    seeds: (rng, count) => sample(cnfArbitrary({ maxVars: 8, maxClauses: 10, maxWidth: 4 }), rng, count).map((c) => enc.encode(writeDimacs(c))),
    read(bytes) {
      const inst = parseInstance(bytes, NAME);
      if (inst.problem !== 'ksat') throw new Error(`a DIMACS seed read as ${inst.problem}`);
      return cnfValue(inst.data);
    },
    reparse: simpleDimacs,
  },
  {
    name: 'json-instance',
    text: true,
    dictionary: [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '"problem"',
      '"ksat"',
      '"ov"',
      '"3ov"',
      '"transformer"',
      'null',
      'true',
      '[[[[[[[[',
      '\\u0000',
      '\\ud800',
      ...DIGITS,
      ...CONTROL,
    ],
    seeds: jsonSeeds,
    read(bytes) {
      const inst = parseInstance(bytes, NAME);
      return problemSpec(inst.problem).toJson(inst.data);
    },
    reparse: jsonInstanceReparse,
  },
  {
    name: 'npy',
    text: false,
    dictionary: ["'<f8'", "'<f4'", "'>f8'", "'|u1'", '(', ')', ',', 'True', 'False', '\n', ' ', '\u0000', '\u00ff', '99999999999'],
    seeds(rng, count) {
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const shape = Array.from({ length: rng.int(3) }, () => rng.int(4));
        const n = shape.reduce((a, x) => a * x, 1);
        const dtype = (['f64', 'f32', 'i32', 'u8'] as const)[rng.int(4)]!;
        const data =
          dtype === 'f64'
            ? Float64Array.from({ length: n }, () => rng.next() * 10 - 5)
            : dtype === 'f32'
              ? Float32Array.from({ length: n }, () => rng.next())
              : dtype === 'i32'
                ? Int32Array.from({ length: n }, () => rng.int(1000) - 500)
                : Uint8Array.from({ length: n }, () => rng.int(256));
        out.push(encodeNpy({ shape, data, dtype }));
      }
      return out;
    },
    read: (bytes) => npyValue(parseNpy(bytes, NAME)),
    reparse: simpleNpy,
  },
  {
    name: 'safetensors',
    text: false,
    dictionary: ['{', '}', '"F32"', '"F64"', '"BF16"', '"dtype"', '"shape"', '"data_offsets"', '"__metadata__"', '[0,8]', ',', ':', '"', ...DIGITS],
    seeds(rng, count) {
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const k = 1 + rng.int(3);
        const tensors = Array.from({ length: k }, (_, j) => {
          const shape = [1 + rng.int(3), 1 + rng.int(2)];
          return {
            name: `t${j}`,
            shape,
            data: Float64Array.from({ length: shape[0]! * shape[1]! }, () => rng.next()),
            dtype: rng.int(2) ? ('f32' as const) : ('f64' as const),
          };
        });
        out.push(encodeSafetensors(tensors, rng.int(2) ? { format: 'x', note: 'y' } : undefined));
      }
      return out;
    },
    read(bytes) {
      const f = parseSafetensors(bytes, NAME);
      return { metadata: { ...f.metadata }, tensors: Object.fromEntries([...f.tensors].map(([k, a]) => [k, npyValue(a)])) };
    },
    reparse: simpleSafetensors,
  },
  {
    name: 'sidecar',
    text: true,
    dictionary: ['{', '}', '[', ']', ',', ':', '"', '"instance_provenance"', '"from"', '"data_sha256"', '"sha256:"', 'null', '[[[[[[[[', ...DIGITS, ...CONTROL],
    seeds(rng, count) {
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const p = { tool: 'seth-workbench', version: '0.1.0', command: 'seth eval', seed: rng.int(9), generator: 'g', params: { a: rng.int(5) } };
        const meta = {
          format: OUTPUT_FORMAT,
          tensor: 'X_L',
          dtype: 'f64',
          shape: [1 + rng.int(4), 1 + rng.int(4)],
          instance_fingerprint: `sha256:${'0'.repeat(64)}`,
          instance_provenance: rng.int(2) ? { ...p, from: p } : null,
          data_sha256: `sha256:${'ab'.repeat(32)}`,
          data_bytes: rng.int(1000),
        };
        out.push(enc.encode(JSON.stringify(meta, null, rng.int(2))));
      }
      return out;
    },
    read: (bytes) => parseSidecar(bytes, NAME),
    reparse(bytes) {
      try {
        const text = stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        if (!jsonWithinLimits(text)) return undefined;
        const r = OutputMetaSchema.safeParse(JSON.parse(text));
        return r.success ? r.data : undefined;
      } catch {
        return undefined;
      }
    },
  },
];

// ------------------------------------------------------------------ mutation

export function mutate(input: Uint8Array, dictionary: readonly string[], rng: Rng): Uint8Array {
  let b = Buffer.from(input);
  const ops = 1 + rng.int(3);
  for (let k = 0; k < ops; k++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0: // flip a byte
        if (b.length > 0) b[Math.min(at, b.length - 1)] = rng.int(256);
        break;
      case 1: // insert a token of the format
        b = Buffer.concat([b.subarray(0, at), Buffer.from(dictionary[rng.int(dictionary.length)]!, 'utf8'), b.subarray(at)]);
        break;
      case 2: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(8)))]);
        break;
      case 3: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + rng.int(16)), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: {
        // deep nesting
        const d = MAX_JSON_DEPTH - 4 + rng.int(8);
        b = Buffer.concat([b.subarray(0, at), Buffer.from('['.repeat(d) + ']'.repeat(rng.int(2) ? d : rng.int(d))), b.subarray(at)]);
        break;
      }
      default: // a huge number
        b = Buffer.concat([b.subarray(0, at), Buffer.from('9'.repeat(300 + rng.int(200))), b.subarray(at)]);
    }
  }
  return b;
}

// ------------------------------------------------------------------ classification

export interface CaseResult {
  outcome: Outcome;
  detail?: string;
}

const POSITIONED = new RegExp(`^${NAME}(:\\d+:\\d+: | \\(metadata "[^"]+"\\):\\d+:\\d+: |: field |: empty file|: expected |: bad output metadata)`);

export function classify(reader: Reader, bytes: Uint8Array, limitMs: number): CaseResult {
  const t0 = performance.now();
  let value: unknown;
  let error: unknown;
  try {
    value = reader.read(bytes);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  if (ms > limitMs) return { outcome: 'hang', detail: `${ms.toFixed(0)} ms` };
  if (error !== undefined) {
    if (!(error instanceof UserError))
      return { outcome: 'crash', detail: (error instanceof Error ? (error.stack ?? error.message) : JSON.stringify(error)).slice(0, 400) };
    const msg = error.message;
    if (!msg.startsWith(NAME)) return { outcome: 'crash', detail: `message does not name the input: ${msg.slice(0, 200)}` };
    if (reader.text && !POSITIONED.test(msg)) return { outcome: 'crash', detail: `text reader error without a position: ${msg.slice(0, 200)}` };
    return { outcome: 'rejected' };
  }
  const again = reader.reparse(bytes);
  if (again === undefined || !isDeepStrictEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(value)))) {
    return { outcome: 'implausible', detail: `accepted, independent re-parse ${again === undefined ? 'refuses it' : 'differs'}` };
  }
  return { outcome: 'accepted' };
}

export interface FuzzRow {
  reader: string;
  cases: number;
  accepted: number;
  rejected: number;
  crash: number;
  hang: number;
  implausible: number;
  /** Up to 5 failing inputs (base64) with what went wrong. */
  failures: { input: string; detail: string }[];
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  limitMs?: number;
  readers?: readonly Reader[];
}

/** `cases` per reader: every 10th unmutated (valid inputs must be accepted equal), the rest mutated. */
export function runFuzz(options: FuzzOptions): FuzzRow[] {
  const rows: FuzzRow[] = [];
  for (const reader of options.readers ?? READERS) {
    const rng = makeRng(options.seed);
    const row: FuzzRow = { reader: reader.name, cases: 0, accepted: 0, rejected: 0, crash: 0, hang: 0, implausible: 0, failures: [] };
    const pool = reader.seeds(rng, Math.min(500, Math.max(20, Math.ceil(options.cases / 20))));
    for (let i = 0; i < options.cases; i++) {
      const base = pool[rng.int(pool.length)]!;
      const input = i % 10 === 0 ? base : mutate(base, reader.dictionary, rng);
      const r = classify(reader, input, options.limitMs ?? 1000);
      row.cases++;
      row[r.outcome]++;
      if (r.outcome !== 'accepted' && r.outcome !== 'rejected' && row.failures.length < 5) {
        row.failures.push({ input: Buffer.from(input).toString('base64'), detail: r.detail ?? r.outcome });
      }
    }
    rows.push(row);
  }
  return rows;
}

export function formatTable(rows: readonly FuzzRow[]): string {
  const head = '| reader | cases | accepted | rejected (clean UserError) | crashes | hangs | implausible accepts |';
  const sep = '| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  return [head, sep, ...rows.map((r) => `| ${r.reader} | ${r.cases} | ${r.accepted} | ${r.rejected} | ${r.crash} | ${r.hang} | ${r.implausible} |`)].join('\n');
}
