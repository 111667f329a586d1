import { loadConfig } from '../config/config.js';
import { buildIndex, changeCounts, loadPreviousIndex, type BuildReport } from '../core/index/build.js';
import { describeLeftovers, recoverIndexLeftovers } from '../core/index/leftovers.js';
import { EXIT, openEmbeddings, parseFlags, progressLine, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm run index [-- --corpus DIR] [--index DIR]

Builds (or rebuilds) the index of every .txt and .md article under the corpus directory.
Unchanged documents reuse their vectors; the new index replaces the old one only when complete.`;

/** The multi-line summary printed after a build. */
export function formatBuildReport(report: BuildReport): string {
  const lines = [
    `Indexed ${report.documents} document(s), ${report.chunks} chunks, ${report.sentences} sentences in ${report.seconds.toFixed(2)} s.`,
    `  ${changeCounts(report)
      .map(([what, count]) => `${what} ${count}`)
      .join(', ')}`,
  ];
  for (const file of report.skipped) lines.push(`warning: skipped ${file.source}: ${file.reason}`);
  return lines.join('\n');
}

/** `npm run index` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, { corpus: { type: 'string' }, index: { type: 'string' } });
    const config = loadConfig('core', { CORPUS_DIR: values.corpus, INDEX_DIR: values.index });
    const embeddings = await openEmbeddings(config);
    // Before loading the previous index: a save killed between its renames leaves no index but a complete copy.
    const leftovers = describeLeftovers(await recoverIndexLeftovers(config.indexDir), config.indexDir);
    if (leftovers !== undefined) process.stderr.write(`${leftovers}\n`);
    const previous = await loadPreviousIndex(config.indexDir, embeddings, (error) =>
      process.stderr.write(`warning: indexing every article again, the previous index cannot be reused: ${error.message}\n`),
    );
    const progress = progressLine('Indexing');
    const { report } = await buildIndex({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      embeddings,
      ...(previous ? { previous, consumePrevious: true } : {}),
      onProgress: progress.update,
      command: 'npm run index',
    });
    progress.done();
    process.stdout.write(`${formatBuildReport(report)}\n`);
    return EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
