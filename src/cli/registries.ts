import { REDUCTIONS } from '../../reductions/index.js';
import type { CliContext } from './command.js';

/** `seth`'s registries, composed once at the root and passed to every command (tests pass their own). */
export const SETH_REGISTRIES: CliContext = { reductions: REDUCTIONS };
