/**
 * A child process for tests of damaged indexes: loads each index folder given on the command
 * line and uses it the way the bot would (search, filtered search, an incremental update,
 * deletions), printing one JSON line per folder. It runs apart from vitest because a damaged
 * HNSW graph can crash the native code (SIGSEGV): the parent then sees the folder it was on
 * and a signal, instead of losing the whole test run.
 *
 * Usage: node dist-dev/test/helpers/probe-index.js CACHE_DIR INDEX_DIR...
 */
import { writeSync } from 'node:fs';
import os from 'node:os';
import { loadIndex } from '../../src/core/index/corpus-index.js';
import { GloveEmbeddings } from '../../src/core/index/embeddings/glove.js';

/** What happened to one folder: `started` comes first, so a crash leaves the folder it was on. */
export type ProbeLine =
  { dir: string; outcome: 'started' } | { dir: string; outcome: 'works' } | { dir: string; outcome: 'corrupt' | 'failed'; message: string };

/** Written with a synchronous call: a line still buffered when the process crashes would be lost. */
function report(line: ProbeLine): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

const QUESTIONS = ['What did the president say about taxes?', 'war and peace', 'schools and teachers'];

const [cacheDir, ...dirs] = process.argv.slice(2);
const embeddings = await GloveEmbeddings.load(cacheDir!);
for (const dir of dirs) {
  report({ dir, outcome: 'started' });
  try {
    const index = await loadIndex(dir, embeddings);
    const { graph } = index;
    try {
      const queries = [...(await embeddings.embedDocuments(QUESTIONS)), graph.vectorAt(index.chunkLabels[0]![0]!)];
      for (const query of queries) {
        for (const { label } of graph.search(query, 10)) index.chunk(label);
        graph.search(query, 5, (label) => index.chunk(label).segmented.document.source !== index.documents[0]!.document.source);
      }
      // What an incremental reindex does to the loaded graph: hnswlib copies it, inserts new chunks, deletes stale ones.
      const texts = ['A new article about the budget.', 'Another one about the army.', 'And a third about farming.'];
      const updated = await graph.clone(os.tmpdir());
      updated.add(await embeddings.embedDocuments(texts));
      updated.deleteLabels(index.chunkLabels[0]!.slice(0, 3));
      for (const query of queries) updated.search(query, 10);
      report({ dir, outcome: 'works' });
    } catch (error) {
      report({ dir, outcome: 'failed', message: `after loading: ${(error as Error).message}` });
    }
  } catch (error) {
    const { name, message } = error as Error;
    report({ dir, outcome: name === 'IndexCorruptError' ? 'corrupt' : 'failed', message: name === 'IndexCorruptError' ? message : `${name}: ${message}` });
  }
}
