/** Answers of the decision problems. k-SAT answers SAT/UNSAT; OV-type problems answer YES/NO. */
export type SatAnswer = 'SAT' | 'UNSAT';
export type OvAnswer = 'YES' | 'NO';
export type Answer = SatAnswer | OvAnswer;

/** YES/SAT ↔ true. */
export function isPositive(a: Answer): boolean {
  return a === 'SAT' || a === 'YES';
}
