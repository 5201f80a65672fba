/**
 * An array that the streaming JSON writers (src/io/json-stream.ts, the fingerprint's canonical
 * form) write element by element without it ever being built: a large instance's rows are made
 * one at a time (typed-array views), so writing or hashing it costs no heap for the whole.
 */
export class JsonRows<T = unknown> {
  constructor(
    readonly length: number,
    readonly at: (i: number) => T,
  ) {}
}

/** Arrays, typed arrays and JsonRows as (length, element i) — all of them JSON arrays; undefined otherwise. */
export function asJsonList(v: unknown): { length: number; at: (i: number) => unknown } | undefined {
  if (v instanceof JsonRows) return v;
  if (Array.isArray(v)) return { length: v.length, at: (i) => v[i] as unknown };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const t = v as unknown as ArrayLike<number>;
    return { length: t.length, at: (i) => t[i] };
  }
  return undefined;
}
