import { describe, expect, it } from 'vitest';
import { evalFormula } from '../src/reduction/formula.js';

describe('size formulas', () => {
  it('evaluates arithmetic with precedence and right-associative powers', () => {
    expect(evalFormula('2 * 2^v1 + 1', { v1: 3 })).toBe(17);
    expect(evalFormula('2^3^2', {})).toBe(512);
    expect(evalFormula('-(a - 10) / 2', { a: 4 })).toBe(3);
  });
  it('knows ceil, floor, log2, max, min', () => {
    expect(evalFormula('2 * ceil(log2(40 * tokens * layers * heads))', { tokens: 1025, layers: 2, heads: 2 })).toBe(36);
    expect(evalFormula('max(a, b, 3) + min(a, b)', { a: 1, b: 2 })).toBe(4);
    expect(evalFormula('floor(7 / 2)', {})).toBe(3);
  });
  it('rejects unknown names and bad syntax', () => {
    expect(() => evalFormula('x + 1', {})).toThrow(/unknown parameter x/);
    expect(() => evalFormula('sqrt(4)', {})).toThrow(/unknown function/);
    expect(() => evalFormula('1 +', {})).toThrow(SyntaxError);
    expect(() => evalFormula('(1', {})).toThrow(SyntaxError);
    expect(() => evalFormula('1 2', {})).toThrow(SyntaxError);
  });
});
