import seedrandom from 'seedrandom';

/**
 * The only source of randomness in the workbench. Every random choice takes an `Rng` argument;
 * nothing reads `Math.random` or global state. Seed 0 is an ordinary seed.
 */
export interface Rng {
  /** Seed this stream was made from (recorded in provenance). */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** true with probability p. */
  bool(p?: number): boolean;
}

export function makeRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // seedrandom's ARC4 generator keyed by the decimal seed: "0" is as good a key as any other.
  const prng = seedrandom(`seth:${seed}`);
  return {
    seed,
    next: () => prng.double(),
    int(n: number): number {
      if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
      return Math.floor(prng.double() * n);
    },
    bool(p = 0.5): boolean {
      return prng.double() < p;
    },
  };
}

/** k distinct integers from [0, n), in random order. */
export function sampleDistinct(rng: Rng, n: number, k: number): number[] {
  if (k > n) throw new RangeError(`cannot sample ${k} distinct values from ${n}`);
  const chosen = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const v = rng.int(n);
    if (!chosen.has(v)) {
      chosen.add(v);
      out.push(v);
    }
  }
  return out;
}
