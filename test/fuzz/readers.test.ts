import { describe, it } from 'vitest';
import { READERS, formatTable, runFuzz } from './harness.js';

/**
 * The fuzz suite inside `npm test`: 2 000 cases for each of the 5 readers (10⁴ in all), fixed
 * seed; `npm run fuzz -- --cases 100000 --seed S` runs the full volume.
 */
describe('fuzz: every reader accepts equal or rejects cleanly', () => {
  it.each(READERS.map((r) => r.name))('%s: 2000 seeded cases, no crash, hang or implausible accept', (name) => {
    const reader = READERS.find((r) => r.name === name)!;
    const [row] = runFuzz({ cases: 2000, seed: 20261201, readers: [reader] });
    const bad = row!.crash + row!.hang + row!.implausible;
    if (bad > 0) throw new Error(`${formatTable([row!])}\n${row!.failures.map((f) => `${f.detail}\n  ${f.input}`).join('\n')}`);
    // Both outcomes occur: the mutations reach past the first byte, the seeds are valid.
    if (row!.accepted < 100 || row!.rejected < 100) throw new Error(`too one-sided: ${formatTable([row!])}`);
  });
});
