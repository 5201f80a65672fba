/**
 * The runnable examples of a Markdown document: its ```console blocks, each a list of commands
 * (lines starting with `$ `) with the output shown under each. test/readme-examples.test.ts runs
 * them, so the README's examples stay true.
 */

export interface ConsoleCommand {
  /** The command line as a user types it (without the `$ ` prompt). */
  command: string;
  /** The lines shown under it, up to the next command or the end of the block (may be empty). */
  shown: string[];
  /** 1-based line of the command in the document. */
  line: number;
}

export interface ConsoleBlock {
  /** 1-based line of the opening fence. */
  line: number;
  commands: ConsoleCommand[];
}

/** Every ```console block with at least one `$ ` command, in document order. */
export function consoleBlocks(markdown: string): ConsoleBlock[] {
  const blocks: ConsoleBlock[] = [];
  const lines = markdown.split('\n');
  let block: ConsoleBlock | undefined;
  lines.forEach((text, index) => {
    if (block === undefined) {
      if (/^```console\s*$/.test(text)) block = { line: index + 1, commands: [] };
      return;
    }
    if (/^```\s*$/.test(text)) {
      if (block.commands.length > 0) blocks.push(block);
      block = undefined;
      return;
    }
    if (text.startsWith('$ ')) {
      block.commands.push({ command: text.slice(2).trim(), shown: [], line: index + 1 });
      return;
    }
    const last = block.commands.at(-1);
    if (last !== undefined && text.trim() !== '') last.shown.push(text);
  });
  return blocks;
}

/**
 * A line of output as the examples compare it: runs of spaces collapsed (column widths follow the
 * longest label) and durations and memory sizes masked (they vary from run to run and machine to
 * machine).
 */
export function normalizeOutputLine(line: string): string {
  return line
    .replace(/\d[\d,]*(\.\d+)?\s?(ms|s)\b/g, '<time>')
    .replace(/\d[\d,]*(\.\d+)?\s?(GiB|MiB|KiB)\b/g, '<bytes>')
    .replace(/\s+/g, ' ')
    .trim();
}
