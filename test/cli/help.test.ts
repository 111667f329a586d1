import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as bench } from '../../bench/cli.js';
import { main as ask } from '../../src/cli/ask.js';
import { main as deployCommands } from '../../src/cli/deploy-commands.js';
import { main as doctor } from '../../src/cli/doctor.js';
import { main as evaluate } from '../../src/cli/eval.js';
import { main as indexCommand } from '../../src/cli/index-command.js';
import { main as start } from '../../src/cli/start.js';
import { main as vectors } from '../../src/cli/vectors.js';

/** Each command's `main`, imported (importing runs nothing: `runAsProgram` only runs the module it was started as). */
const COMMANDS: [string, (args: string[]) => Promise<number>, string][] = [
  ['ask', ask, 'Usage: npm run ask'],
  ['index', indexCommand, 'Usage: npm run index'],
  ['eval', evaluate, 'Usage: npm run eval'],
  ['doctor', doctor, 'Usage: npm run doctor'],
  ['deploy-commands', deployCommands, 'Usage: npm run deploy-commands'],
  ['bench', bench, 'Usage: npm run bench'],
  ['start', start, 'Usage: npm start'],
  ['vectors', vectors, 'Usage: npm run vectors'],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('--help', () => {
  for (const [module, main, usage] of COMMANDS) {
    it(`${module}: prints the usage on stdout and returns 0, for --help and -h`, async () => {
      for (const flag of ['--help', '-h']) {
        const out: string[] = [];
        const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
        const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        const code = await main([flag]);
        stdout.mockRestore();
        expect(code, `${module} ${flag}`).toBe(0);
        expect(out.join('')).toContain(usage);
        expect(stderr).not.toHaveBeenCalled();
      }
    });
  }
});
