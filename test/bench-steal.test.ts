// The bench's reading of hypervisor steal from /proc/stat (bench/machine.ts): what it parses, and
// that it says nothing rather than something wrong where it cannot tell.
import { describe, expect, it } from 'vitest';
import { parseCpuTicks, stolenBetween } from '../bench/machine.js';

const STAT = (user: number, steal: number, idle = 500): string => `cpu  ${user} 0 20 ${idle} 5 0 1 ${steal} 7 0\ncpu0 1 0 2 3 0 0 0 0 0 0\nintr 12345\n`;

describe('bench: CPU time stolen by the hypervisor', () => {
  it('reads the machine-wide cpu line: steal is field 8, guest time is not counted twice', () => {
    expect(parseCpuTicks(STAT(100, 40))).toEqual({ steal: 40, total: 100 + 0 + 20 + 500 + 5 + 0 + 1 + 40 });
  });

  it('gives the stolen share of the CPU time between two readings', () => {
    const a = parseCpuTicks(STAT(100, 40));
    const b = parseCpuTicks(STAT(160, 60, 520));
    // 60 + 20 + 20 ticks passed, 20 of them stolen.
    expect(stolenBetween(a, b)).toBeCloseTo(0.2, 12);
  });

  it('says null, not 0, without a reading or when too little time passed', () => {
    const a = parseCpuTicks(STAT(100, 40));
    expect(stolenBetween(null, a)).toBeNull();
    expect(stolenBetween(a, null)).toBeNull();
    expect(stolenBetween(a, parseCpuTicks(STAT(105, 40)))).toBeNull();
  });

  it('refuses texts that are not /proc/stat', () => {
    expect(parseCpuTicks('')).toBeNull();
    expect(parseCpuTicks('cpu0 1 2 3\n')).toBeNull();
    expect(parseCpuTicks('cpu  1 2 3\n')).toBeNull();
    expect(parseCpuTicks('cpu  1 2 x 4 5 6 7 8\n')).toBeNull();
  });
});
