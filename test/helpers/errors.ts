import { UserError } from '../../src/errors.js';

/** The UserError `f` throws (fails the test when it throws anything else, or nothing). */
export function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError, nothing was thrown');
}
