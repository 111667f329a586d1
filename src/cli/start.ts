import { buttons, commands, modals } from '../../commands/index.js';
import { runBot } from '../discord/main.js';
import { parseFlags, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm start

Runs the Discord bot: checks the configuration, logs in, loads the index (building it on the
first start) and answers until SIGINT or SIGTERM. See the README's "For server admins".`;

/** `npm start` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    parseFlags(args, {});
    // The composition root: the commands (commands/) wired into the Discord layer (src/discord/), which imports none of them.
    return runBot({ commands, buttons, modals });
  });
}

runAsProgram(import.meta.url, main);
