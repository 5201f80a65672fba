import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import type { NpyData, NpyDType } from '../src/formats/elements.js';
import { MAX_HEADER_BYTES, encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors, type TensorSource } from '../src/formats/safetensors.js';
import { SUM_OF_HEADS_FORM, TRANSFORMER_FORMAT, modelFromSafetensors, transformerMetadata, transformerTensors } from '../src/formats/transformer-tensors.js';
import type { TransformerModel } from '../src/problems/transformer.js';

const dir = mkdtempSync(join(tmpdir(), 'seth-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u64 = (n: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return [...b];
};

describe('safetensors writer: byte for byte the format', () => {
  it('one F32 tensor with metadata (hand-checked)', () => {
    const bytes = encodeSafetensors([{ name: 'a', shape: [2], data: Float32Array.of(1, 2) }], { k: 'v' });
    const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(79);
    // 79 bytes of JSON padded with one space to 80, so that the data starts at 8 + 80 = 88 (a multiple of 8).
    const expected = [...u64(80), ...Buffer.from(`${json} `), 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    expect([...bytes]).toEqual(expected);
  });

  it('an F64 scalar and a U8 vector back to back, no metadata (hand-checked)', () => {
    const bytes = encodeSafetensors([
      { name: 'b', shape: [], data: Float64Array.of(1) },
      { name: 'c', shape: [3], data: Uint8Array.of(7, 8, 9) },
    ]);
    const json = '{"b":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"c":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
    expect(json.length).toBe(106);
    const expected = [...u64(112), ...Buffer.from(json.padEnd(112, ' ')), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 7, 8, 9];
    expect([...bytes]).toEqual(expected);
  });

  it('f64 data stored as F32 rounds to nearest', () => {
    const f = parseSafetensors(encodeSafetensors([{ name: 'x', shape: [2], data: Float64Array.of(0.1, 1e40), dtype: 'f32' }]), 'x.safetensors');
    expect([...f.tensors.get('x')!.data]).toEqual([Math.fround(0.1), Infinity]);
  });
});

const tensorArb: fc.Arbitrary<TensorSource> = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.constantFrom<NpyDType>('f64', 'f32', 'i32', 'u8'), fc.integer())
  .map(([shape, dtype, seed]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    let s = seed >>> 0;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const data: NpyData =
      dtype === 'f64'
        ? Float64Array.from({ length: n }, () => next() / 3 - 1e9)
        : dtype === 'f32'
          ? Float32Array.from({ length: n }, () => next() / 3 - 1e9)
          : dtype === 'i32'
            ? Int32Array.from({ length: n }, () => next() | 0)
            : Uint8Array.from({ length: n }, () => next() & 255);
    return { name: '', shape, data };
  });

const filesArb = fc
  .tuple(
    fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9_.]{1,12}$/), { maxLength: 6 }),
    fc.array(tensorArb, { minLength: 6, maxLength: 6 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
  )
  .map(([names, tensors, metadata]) => ({ tensors: names.map((name, i) => ({ ...tensors[i]!, name })), metadata }));

describe('safetensors round trip through our own reader', () => {
  it('in memory and through files (property)', () => {
    fc.assert(
      fc.property(filesArb, ({ tensors, metadata }) => {
        const bytes = encodeSafetensors(tensors, metadata);
        expect((8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))) % 8).toBe(0);
        const p = join(dir, 'rt.safetensors');
        writeSafetensors(p, tensors, metadata);
        expect(readFileSync(p)).toEqual(Buffer.from(bytes));
        for (const f of [parseSafetensors(bytes, 'rt'), readSafetensors(p)]) {
          expect(f.metadata).toEqual(Object.keys(metadata).length > 0 ? metadata : {});
          expect([...f.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
          for (const t of tensors) {
            const got = f.tensors.get(t.name)!;
            expect(got.shape).toEqual(t.shape);
            expect(got.data).toEqual(t.data);
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('names that are Object.prototype keys round-trip (__proto__, constructor, toString)', () => {
    const tensors: TensorSource[] = ['__proto__', 'constructor', 'toString'].map((name, i) => ({ name, shape: [1], data: Float64Array.of(i) }));
    const metadata = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const f = parseSafetensors(encodeSafetensors(tensors, metadata), 'proto');
    expect([...f.tensors.keys()]).toEqual(['__proto__', 'constructor', 'toString']);
    expect([...f.tensors.get('__proto__')!.data]).toEqual([0]);
    expect(Object.entries(f.metadata)).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
    ]);
  });

  it('a transformer round-trips exactly in f64 (config, scale, MLP, annotations)', () => {
    const model = smallModel();
    const p = join(dir, 'model.safetensors');
    writeSafetensors(p, transformerTensors(model, 'f64'), transformerMetadata(model, { fingerprint: 'sha256:x' }));
    const file = readSafetensors(p);
    expect(file.metadata.format).toBe(TRANSFORMER_FORMAT);
    expect(file.metadata.form).toBe(SUM_OF_HEADS_FORM);
    expect(file.metadata.scale).toBe('0.3');
    expect(JSON.parse(file.metadata.config!)).toEqual({
      problem: 'transformer',
      tokens: 3,
      width: 2,
      layers: 2,
      heads: 2,
      scale: 0.3,
      residual: true,
      mlp: 'relu',
    });
    expect([...file.tensors.keys()]).toContain('layers.1.heads.1.W_V');
    expect([...file.tensors.keys()]).toContain('layers.0.mlp.b1');
    const back = modelFromSafetensors(file, p);
    expect(back.X).toEqual(model.X);
    expect(back.weights).toEqual(model.weights);
    expect(back.mlp).toEqual(model.mlp);
    expect(back.annotations).toEqual(model.annotations);
    expect([back.tokens, back.width, back.layers, back.heads, back.scale, back.residual]).toEqual([3, 2, 2, 2, 0.3, true]);
  });

  it('modelFromSafetensors rejects a wrong shape, a missing tensor, a foreign file', () => {
    const model = smallModel();
    const tensors = transformerTensors(model, 'f32');
    const md = transformerMetadata(model);
    const bad = tensors.map((t) => (t.name === 'layers.0.heads.1.W_K' ? { ...t, shape: [4], data: new Float64Array(4) } : t));
    expect(() => modelFromSafetensors(parseSafetensors(encodeSafetensors(bad, md), 'f'), 'f')).toThrow(
      /"layers.0.heads.1.W_K" has shape \[4\], expected \[2, 2\]/,
    );
    const missing = tensors.filter((t) => t.name !== 'X');
    expect(() => modelFromSafetensors(parseSafetensors(encodeSafetensors(missing, md), 'f'), 'f')).toThrow(/tensor "X" is missing/);
    expect(() => modelFromSafetensors(parseSafetensors(encodeSafetensors(tensors, {}), 'f'), 'f')).toThrow(/metadata "format"/);
  });
});

function smallModel(): TransformerModel {
  let s = 5;
  const r = (k: number): Float64Array => Float64Array.from({ length: k }, () => (s = (s * 69069 + 1) >>> 0) / 2 ** 32 - 0.5);
  const head = () => ({ Q: r(4), K: r(4), V: r(4) });
  const mlp = () => ({ hidden: 3, W1: r(6), b1: r(3), W2: r(6), b2: r(2) });
  return {
    kind: 'transformer',
    tokens: 3,
    width: 2,
    layers: 2,
    heads: 2,
    scale: 0.3,
    residual: true,
    X: r(6),
    weights: [
      [head(), head()],
      [head(), head()],
    ],
    mlp: [mlp(), mlp()],
    annotations: { beta: 4, note: 'x' },
  };
}

// ---------------------------------------------------------------------------------------------

/** A file with this header JSON (padded) and `data` after it. */
function raw(header: unknown, data: number[] | Uint8Array = [], declared?: number): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = declared ?? json.length;
  return Buffer.concat([Buffer.from(u64(len)), json, Buffer.from(data)]);
}

function stError(bytes: Uint8Array): UserError {
  try {
    parseSafetensors(bytes, 'bad.safetensors');
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

const T = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe('safetensors reader rejects bad files with one clear line (UserError, exit 2)', () => {
  const good = encodeSafetensors([
    { name: 'a', shape: [2], data: Float32Array.of(1, 2) },
    { name: 'b', shape: [1], data: Float64Array.of(3) },
  ]);
  it.each([
    ['truncated (last byte cut)', good.subarray(0, good.length - 1), /ends at data byte 16 but the file holds only 15 data bytes \(truncated\)/],
    ['truncated header', good.subarray(0, 20), /header says \d+ bytes but the file ends after 12 \(truncated\)/],
    ['shorter than 8 bytes', good.subarray(0, 5), /too short/],
    ['header over 100 MiB', raw('{}', [], MAX_HEADER_BYTES + 1), /over the limit of 100 MiB/],
    ['header length 2^63', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]), Buffer.from('{}')]), /over the limit of 100 MiB/],
    ['not JSON', raw('{"a": '), /not valid JSON/],
    ['not starting with {', raw(' {}'), /must start with '\{'/],
    ['an array', raw('[1]'), /must start with '\{'/],
    ['wrong dtype I64', raw({ a: T('I64', [1], 0, 8) }, new Uint8Array(8)), /dtype "I64" not supported; expected one of F64, F32, I32, U8/],
    ['wrong dtype BF16', raw({ a: T('BF16', [1], 0, 2) }, new Uint8Array(2)), /dtype "BF16" not supported/],
    ['size does not match shape', raw({ a: T('F32', [3], 0, 8) }, new Uint8Array(8)), /needs 12 bytes, data_offsets \[0, 8\] span 8/],
    ['overlapping offsets', raw({ a: T('F32', [2], 0, 8), b: T('F32', [1], 4, 8) }, new Uint8Array(8)), /"a" and "b" overlap/],
    ['gap between tensors', raw({ a: T('F32', [1], 0, 4), b: T('F32', [1], 8, 12) }, new Uint8Array(12)), /gap in the data: bytes 4\.\.8 belong to no tensor/],
    ['gap at the start', raw({ a: T('F32', [1], 4, 8) }, new Uint8Array(8)), /gap in the data: bytes 0\.\.4/],
    ['bytes after the last tensor', raw({ a: T('F32', [1], 0, 4) }, new Uint8Array(6)), /2 bytes after the last tensor/],
    ['end before begin', raw({ a: T('F32', [0], 8, 4) }, new Uint8Array(8)), /end before they begin/],
    ['negative offset', raw({ a: T('F32', [1], -4, 0) }, []), /expected \{dtype, shape, data_offsets\}/],
    ['fractional dimension', raw({ a: T('F32', [1.5], 0, 6) }, new Uint8Array(6)), /expected \{dtype, shape, data_offsets\}/],
    ['extra field', raw({ a: { ...T('F32', [1], 0, 4), extra: 1 } }, new Uint8Array(4)), /expected \{dtype, shape, data_offsets\}/],
    ['metadata with a non-string value', raw({ __metadata__: { k: 1 } }), /__metadata__ must be an object whose values are all strings/],
    ['invalid UTF-8 header', Buffer.concat([Buffer.from(u64(2)), Buffer.from([0x7b, 0xff])]), /header:1:2: expected UTF-8 text/],
  ])('%s', (_label, bytes, pattern) => {
    const e = stError(bytes);
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith('bad.safetensors: not a valid safetensors file: '), e.message).toBe(true);
    expect(e.message).toMatch(pattern);
  });

  it('the file reader applies the same checks (truncation, huge header) and names the file', () => {
    const p = join(dir, 'trunc.safetensors');
    writeFileSync(p, good.subarray(0, good.length - 3));
    expect(() => readSafetensors(p)).toThrow(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid safetensors file: .*truncated`));
    writeFileSync(p, raw('{}', [], MAX_HEADER_BYTES + 8));
    expect(() => readSafetensors(p)).toThrow(/over the limit of 100 MiB/);
    expect(() => readSafetensors(join(dir, 'missing.safetensors'))).toThrow(/no such file/);
  });

  it('empty tensors and an empty file body are fine', () => {
    const f = parseSafetensors(raw({ a: T('F32', [0, 3], 0, 0), b: T('U8', [2], 0, 2) }, [5, 6]), 'ok');
    expect(f.tensors.get('a')!.data.length).toBe(0);
    expect([...f.tensors.get('b')!.data]).toEqual([5, 6]);
    expect(parseSafetensors(raw('{}'), 'ok').tensors.size).toBe(0);
  });
});
