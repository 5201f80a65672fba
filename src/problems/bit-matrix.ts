/**
 * A list of 0/1 vectors of one dimension, bit-packed: row r occupies `words` consecutive 32-bit
 * words, bit k of the row is bit (k mod 32) of word ⌊k/32⌋. Unused high bits are always 0, so
 * AND-and-test over whole words is exact.
 */
export interface BitMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly words: number;
  readonly data: Uint32Array;
}

export function wordsFor(dim: number): number {
  return Math.max(1, Math.ceil(dim / 32));
}

export function emptyBitMatrix(rows: number, dim: number): BitMatrix {
  const words = wordsFor(dim);
  return { rows, dim, words, data: new Uint32Array(rows * words) };
}

export function getBit(m: BitMatrix, r: number, k: number): number {
  return (m.data[r * m.words + (k >>> 5)]! >>> (k & 31)) & 1;
}

export function setBit(m: BitMatrix, r: number, k: number, bit: number): void {
  const idx = r * m.words + (k >>> 5);
  const mask = 1 << (k & 31);
  m.data[idx] = bit ? (m.data[idx]! | mask) >>> 0 : (m.data[idx]! & ~mask) >>> 0;
}

/** Rows as strings of '0'/'1' (coordinate 0 first). */
export function rowToString(m: BitMatrix, r: number): string {
  let s = '';
  for (let k = 0; k < m.dim; k++) s += getBit(m, r, k) ? '1' : '0';
  return s;
}

export function bitMatrixToStrings(m: BitMatrix): string[] {
  const out: string[] = [];
  for (let r = 0; r < m.rows; r++) out.push(rowToString(m, r));
  return out;
}

/** Strings must already be validated (length dim, characters 0/1). */
export function bitMatrixFromStrings(rows: readonly string[], dim: number): BitMatrix {
  const m = emptyBitMatrix(rows.length, dim);
  rows.forEach((s, r) => {
    for (let k = 0; k < dim; k++) if (s.charCodeAt(k) === 49) setBit(m, r, k, 1);
  });
  return m;
}

export function bitMatrixFromArrays(rows: readonly (readonly number[])[], dim: number): BitMatrix {
  const m = emptyBitMatrix(rows.length, dim);
  rows.forEach((v, r) => v.forEach((b, k) => b && setBit(m, r, k, 1)));
  return m;
}

/** Σ_k a[k]·b[k] (popcount of the AND). */
export function dotRows(a: BitMatrix, i: number, b: BitMatrix, j: number): number {
  let s = 0;
  for (let w = 0; w < a.words; w++) s += popcount32((a.data[i * a.words + w]! & b.data[j * b.words + w]!) >>> 0);
  return s;
}

/** Σ_k a[k]·b[k]·c[k]. */
export function dot3Rows(a: BitMatrix, i: number, b: BitMatrix, j: number, c: BitMatrix, k: number): number {
  let s = 0;
  for (let w = 0; w < a.words; w++) {
    s += popcount32((a.data[i * a.words + w]! & b.data[j * b.words + w]! & c.data[k * c.words + w]!) >>> 0);
  }
  return s;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
