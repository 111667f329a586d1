import { loadConfig } from '../config/config.js';
import { EXIT, openEmbeddings, parseFlags, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm run vectors

Converts the packaged GloVe word vectors into the compact cache in CACHE_DIR. Every command
does this on first use; this does it ahead, for instance while building a container image.`;

/** `npm run vectors` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    parseFlags(args, {});
    const config = loadConfig('core');
    if (config.embeddings.provider !== 'local') {
      process.stdout.write('EMBEDDINGS is not local: there are no word vectors to convert.\n');
      return EXIT.ok;
    }
    await openEmbeddings(config);
    process.stdout.write(`Word vectors ready in ${config.embeddings.cacheDir}\n`);
    return EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
