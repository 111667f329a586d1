// Preloaded (`node --import`) into a command by the tests to kill it with SIGKILL at one step
// of saving the index, the way `kill -9` or a power cut would: exactly there, every run.
// KILL_DURING_SAVE: `write` (as it writes lexical.bin into the temporary folder, before its
// manifest), `retire` (as it renames the old index away), `replace` (as it renames the new
// index into place: between the two renames), or `refuse` (that rename fails instead, as a
// full or read-only disk could make it: the command lives on and reports the error).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const step = process.env.KILL_DURING_SAVE;
const kill = () => process.kill(process.pid, 'SIGKILL');
const { rename, writeFile } = fs.promises;

fs.promises.rename = async (from, to) => {
  if (step === 'retire' && path.basename(String(to)).includes('.old-')) kill();
  if (step === 'replace' && path.basename(String(from)).includes('.building-')) kill();
  if (step === 'refuse' && path.basename(String(from)).includes('.building-'))
    throw Object.assign(new Error(`EIO: i/o error, rename '${from}'`), { code: 'EIO' });
  return rename(from, to);
};
fs.promises.writeFile = async (file, ...rest) => {
  if (step === 'write' && path.basename(String(file)) === 'lexical.bin' && String(file).includes('.building-')) kill();
  return writeFile(file, ...rest);
};
// Makes `import { rename } from 'node:fs/promises'` in the command see the functions above.
syncBuiltinESMExports();
