import { describe, expect, it } from 'vitest';
import { decode, encode, FORMATS, roundTo, type MiniFloat } from '../src/engine/minifloat.js';
import { makeRng } from '../src/rng.js';

const { fp16, bf16, e4m3, e5m2, f32 } = FORMATS;

describe('known bit patterns', () => {
  it.each<[string, MiniFloat, number, number]>([
    ['fp16 1', fp16, 1, 0x3c00],
    ['fp16 −2', fp16, -2, 0xc000],
    ['fp16 1/3', fp16, 1 / 3, 0x3555],
    ['fp16 0.1', fp16, 0.1, 0x2e66],
    ['fp16 max 65504', fp16, 65504, 0x7bff],
    ['fp16 65519 rounds to max', fp16, 65519, 0x7bff],
    ['fp16 65520 overflows to ∞', fp16, 65520, 0x7c00],
    ['fp16 min normal 2⁻¹⁴', fp16, 2 ** -14, 0x0400],
    ['fp16 min subnormal 2⁻²⁴', fp16, 2 ** -24, 0x0001],
    ['fp16 2⁻²⁵ ties to even (0)', fp16, 2 ** -25, 0x0000],
    ['fp16 1.5·2⁻²⁵ rounds up', fp16, 1.5 * 2 ** -25, 0x0001],
    ['fp16 3·2⁻²⁵ ties to even (2·2⁻²⁴)', fp16, 3 * 2 ** -25, 0x0002],
    ['fp16 1 + 2⁻¹¹ ties to even (1)', fp16, 1 + 2 ** -11, 0x3c00],
    ['fp16 1 + 3·2⁻¹¹ ties to even (1 + 2⁻⁹)', fp16, 1 + 3 * 2 ** -11, 0x3c02],
    ['fp16 −0', fp16, -0, 0x8000],
    ['fp16 NaN', fp16, NaN, 0x7e00],
    ['bf16 1', bf16, 1, 0x3f80],
    ['bf16 π', bf16, Math.PI, 0x4049],
    ['bf16 1/3', bf16, 1 / 3, 0x3eab],
    ['bf16 max', bf16, (2 - 2 ** -7) * 2 ** 127, 0x7f7f],
    ['bf16 3.4e38 overflows', bf16, 3.4e38, 0x7f80],
    ['bf16 min subnormal 2⁻¹³³', bf16, 2 ** -133, 0x0001],
    ['e4m3 1', e4m3, 1, 0x38],
    ['e4m3 0.1', e4m3, 0.1, 0x1d],
    ['e4m3 max 448', e4m3, 448, 0x7e],
    ['e4m3 464 ties to 448', e4m3, 464, 0x7e],
    ['e4m3 500 saturates', e4m3, 500, 0x7e],
    ['e4m3 ∞ saturates', e4m3, Infinity, 0x7e],
    ['e4m3 −1e9 saturates', e4m3, -1e9, 0xfe],
    ['e4m3 min normal 2⁻⁶', e4m3, 2 ** -6, 0x08],
    ['e4m3 min subnormal 2⁻⁹', e4m3, 2 ** -9, 0x01],
    ['e4m3 NaN', e4m3, NaN, 0x7f],
    ['e5m2 1', e5m2, 1, 0x3c],
    ['e5m2 max 57344', e5m2, 57344, 0x7b],
    ['e5m2 61440 ties up to ∞', e5m2, 61440, 0x7c],
    ['e5m2 61439 rounds to max', e5m2, 61439, 0x7b],
    ['e5m2 min subnormal 2⁻¹⁶', e5m2, 2 ** -16, 0x01],
    ['e5m2 NaN', e5m2, NaN, 0x7e],
  ])('%s', (_name, f, x, bits) => {
    expect(encode(x, f)).toBe(bits);
  });
});

describe('every bit pattern', () => {
  const patterns = (f: MiniFloat): number => 2 ** (1 + f.expBits + f.fracBits);
  it.each([
    ['fp16', fp16],
    ['bf16', bf16],
    ['e4m3', e4m3],
    ['e5m2', e5m2],
  ] as const)('%s: decode → encode is the identity and every value is a fixed point', (_n, f) => {
    for (let b = 0; b < patterns(f); b++) {
      const v = decode(b, f);
      if (Number.isNaN(v)) {
        expect(Number.isNaN(roundTo(v, f))).toBe(true);
        continue;
      }
      expect(encode(v, f)).toBe(b);
      expect(Object.is(roundTo(v, f), v)).toBe(true);
    }
  });

  it.each([
    ['fp16', fp16],
    ['e4m3', e4m3],
    ['e5m2', e5m2],
    ['bf16', bf16],
  ] as const)('%s: midpoints round to the even neighbour, anything off the midpoint to the nearer one', (_n, f) => {
    const half = patterns(f) / 2;
    for (let b = 0; b + 1 < half; b++) {
      const lo = decode(b, f);
      const hi = decode(b + 1, f);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
      const mid = (lo + hi) / 2; // exact in float64
      expect(roundTo(mid, f)).toBe(b % 2 === 0 ? lo : hi);
      const nudge = (hi - lo) / 1024;
      expect(roundTo(mid - nudge, f)).toBe(lo);
      expect(roundTo(mid + nudge, f)).toBe(hi);
      expect(roundTo(-mid, f)).toBe(-(b % 2 === 0 ? lo : hi));
    }
  });
});

describe('the same algorithm with the float32 parameters is Math.fround', () => {
  it('on random doubles over the whole float32 range, subnormals and overflow included', () => {
    const rng = makeRng(0);
    for (let t = 0; t < 200_000; t++) {
      const e = Math.floor(rng.next() * 300) - 160;
      const x = (rng.bool() ? -1 : 1) * (1 + rng.next()) * 2 ** e;
      expect(roundTo(x, f32)).toBe(Math.fround(x));
    }
  });

  it('on float32 midpoints (ties to even)', () => {
    const rng = makeRng(1);
    for (let t = 0; t < 50_000; t++) {
      const e = Math.floor(rng.next() * 270) - 150;
      const a = Math.fround((1 + rng.next()) * 2 ** e);
      const ulp = a >= 2 ** -126 ? 2 ** (Math.floor(Math.log2(a)) - 23) : 2 ** -149;
      const mid = a + ulp / 2;
      expect(roundTo(mid, f32)).toBe(Math.fround(mid));
    }
  });
});
