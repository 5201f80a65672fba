import type { CliCommand } from '../command.js';
import { arenaCommand } from './arena.js';
import { checkCommand } from './check.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { genCommand } from './gen.js';
import { graphCommand } from './graph.js';
import { infoCommand } from './info.js';
import { listCommand } from './list.js';
import { pathCommand } from './path.js';
import { reduceCommand } from './reduce.js';
import { schemaCommand } from './schema.js';
import { solveCommand } from './solve.js';
import { testReductionCommand } from './test-reduction.js';

/** Every `seth` command; one file each in this folder. */
export const COMMANDS: CliCommand[] = [
  genCommand,
  solveCommand,
  infoCommand,
  listCommand,
  schemaCommand,
  pathCommand,
  graphCommand,
  reduceCommand,
  evalCommand,
  checkCommand,
  exportCommand,
  testReductionCommand,
  arenaCommand,
];
