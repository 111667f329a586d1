import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Answerer } from '../../../src/core/answer/answerer.js';
import { buildIndex } from '../../../src/core/index/build.js';
import { loadIndex, type CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { chunkSearchText } from '../../../src/core/index/segment.js';
import { ARTICLE_PATH, HashEmbeddings, makeTempDir, removeTempDirs } from '../../helpers/core.js';

const TOPICS = ['copper', 'wheat', 'coffee', 'cotton', 'silver', 'sugar', 'cocoa', 'nickel', 'zinc', 'rubber'];

function article(topic: string, edition = 1): string {
  return (
    Array.from(
      { length: 8 },
      (_, i) => `The ${topic} market report number ${i} of edition ${edition} says ${topic} traders expect change ${i * edition}.`,
    ).join(' ') + '\n'
  );
}

/** Ten market reports and the story, indexed once with test embeddings. */
async function builtCorpus() {
  const dir = await makeTempDir();
  const corpusDir = path.join(dir, 'corpus');
  await mkdir(corpusDir);
  for (const topic of TOPICS) await writeFile(path.join(corpusDir, `${topic}.txt`), article(topic));
  await writeFile(path.join(corpusDir, 'budapest.txt'), await readFile(ARTICLE_PATH));
  const embeddings = new HashEmbeddings();
  const built = await buildIndex({ corpusDir, indexDir: path.join(dir, 'index'), embeddings });
  return { dir, corpusDir, embeddings, built };
}

/** Every live chunk's label, text and vector, by source and chunk position. */
function chunksOf(index: CorpusIndex): Map<string, { text: string; vector: number[] }[]> {
  return new Map(
    index.documents.map((segmented, doc) => [
      segmented.document.source,
      index.chunkLabels[doc]!.map((label) => {
        const { segmented: owner, chunk } = index.chunk(label);
        return { text: chunkSearchText(owner, chunk), vector: index.graph.vectorAt(label) };
      }),
    ]),
  );
}

describe('incremental reindex', () => {
  afterEach(removeTempDirs);

  it('updates a copy of the graph and lexical index for one changed file, giving what a full build gives', async () => {
    const { dir, corpusDir, embeddings, built: first } = await builtCorpus();
    const labelsBefore = first.index.graph.labelCount;

    await writeFile(path.join(corpusDir, 'wheat.txt'), article('wheat', 2));
    await rm(path.join(corpusDir, 'zinc.txt'));
    embeddings.embedded.length = 0;
    const { index, report } = await buildIndex({ corpusDir, indexDir: path.join(dir, 'index'), embeddings, previous: first.index });
    expect(report.changed).toEqual(['wheat.txt']);
    expect(report.removed).toEqual(['zinc.txt']);
    expect(report.reusedDocuments).toBe(9);
    expect(embeddings.embedded.every((text) => !text.includes('copper'))).toBe(true);
    // Labels of unchanged documents did not move; the changed document's chunks got new ones.
    expect(index.graph.labelCount).toBeGreaterThan(labelsBefore);
    const copper = first.index.documents.findIndex((doc) => doc.document.source === 'copper.txt');
    expect(index.chunkLabels[index.documents.findIndex((doc) => doc.document.source === 'copper.txt')]).toEqual(first.index.chunkLabels[copper]);
    // The previous index is untouched and still answers about zinc; the new one does not know it.
    expect(first.index.lexical.has('zinc')).toBe(true);
    expect(index.lexical.has('zinc')).toBe(false);
    expect((await new Answerer(first.index, embeddings).ask('What do zinc traders expect?')).abstained).toBe(false);
    const withoutZinc = await new Answerer(index, embeddings).ask('What do zinc traders expect?');
    expect(withoutZinc.confidence).not.toBe('high');
    expect(withoutZinc.citations.every((citation) => !citation.quote.toLowerCase().includes('zinc'))).toBe(true);

    const full = await buildIndex({ corpusDir, indexDir: path.join(dir, 'full'), embeddings });
    expect(index.graph.size).toBe(full.index.graph.size);
    expect(index.lexical.size).toBe(full.index.lexical.size);
    expect(chunksOf(index)).toEqual(chunksOf(full.index));
    for (const term of ['wheat', 'edition', '2', 'budapest', 'zinc', 'copper']) expect(index.lexical.idf(term)).toBeCloseTo(full.index.lexical.idf(term), 10);
    // The sentence lexicon saved with it is the one a full build saves, byte for byte.
    expect(Buffer.from(index.lexicon.toBinary()).equals(Buffer.from(full.index.lexicon.toBinary()))).toBe(true);
    for (const question of ['What does edition 2 of the wheat report say?', 'Why was the Budapest summit cancelled?', 'What do copper traders expect?']) {
      const incremental = await new Answerer(index, embeddings).ask(question);
      const rebuilt = await new Answerer(full.index, embeddings).ask(question);
      expect(incremental.citations.map((c) => c.quote)).toEqual(rebuilt.citations.map((c) => c.quote));
    }

    // Saved with its deleted labels, it loads back and answers the same.
    const loaded = await loadIndex(path.join(dir, 'index'), embeddings);
    expect(loaded.graph.size).toBe(index.graph.size);
    expect(loaded.graph.labelCount).toBe(index.graph.labelCount);
    expect(Buffer.from(loaded.lexicon.toBinary()).equals(Buffer.from(full.index.lexicon.toBinary()))).toBe(true);
    expect((await new Answerer(loaded, embeddings).ask('What does edition 2 of the wheat report say?')).citations[0]!.quote).toContain('edition 2');
  });

  it('rebuilds from scratch once too many labels would be deleted', async () => {
    const { dir, corpusDir, embeddings, built } = await builtCorpus();
    let { index } = built;
    for (let edition = 2; edition <= 6; edition++) {
      for (const topic of TOPICS.slice(0, 3)) await writeFile(path.join(corpusDir, `${topic}.txt`), article(topic, edition));
      ({ index } = await buildIndex({ corpusDir, indexDir: path.join(dir, 'index'), embeddings, previous: index }));
      expect(index.graph.deletedLabels.size / index.graph.labelCount).toBeLessThanOrEqual(0.25);
    }
    expect((await new Answerer(index, embeddings).ask('What does edition 6 of the coffee report say?')).citations[0]!.quote).toContain('edition 6');
  });
});
