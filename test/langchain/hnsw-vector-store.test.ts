import { Document } from '@langchain/core/documents';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HNSW_STORE_FILES, HnswVectorStore } from '../../src/langchain/hnsw-vector-store.js';
import { HashEmbeddings, makeTempDir, removeTempDirs } from '../helpers/core.js';

afterAll(removeTempDirs);

const embeddings = new HashEmbeddings(3);

function axisStore(): HnswVectorStore {
  return new HnswVectorStore(embeddings, { dimensions: 3 });
}

const VECTORS = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
];
const DOCS = ['x', 'y', 'z', 'xy'].map((name, i) => new Document({ pageContent: `doc ${name}`, metadata: { name, group: i % 2 === 0 ? 'even' : 'odd' } }));

describe('HnswVectorStore', () => {
  it('returns cosine similarities, best first: an identical vector scores ~1', async () => {
    const store = axisStore();
    expect(await store.addVectors(VECTORS, DOCS)).toEqual(['0', '1', '2', '3']);
    expect(store.size).toBe(4);
    const results = await store.similaritySearchVectorWithScore([1, 0, 0], 4);
    expect(results.map(([doc]) => doc.metadata.name)).toEqual(['x', 'xy', expect.any(String), expect.any(String)]);
    const scores = results.map(([, score]) => score);
    expect(scores[0]).toBeCloseTo(1, 5);
    expect(scores[1]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(scores[2]).toBeCloseTo(0, 5);
    expect(scores[3]).toBeCloseTo(0, 5);
    // The score does not depend on the query's length: cosine, not dot product.
    const scaled = await store.similaritySearchVectorWithScore([5, 0, 0], 1);
    expect(scaled[0]![1]).toBeCloseTo(1, 5);
  });

  it('scores an opposite vector ~-1, last', async () => {
    const store = axisStore();
    await store.addVectors(VECTORS, DOCS);
    const results = await store.similaritySearchVectorWithScore([-1, 0, 0], 4);
    const scores = results.map(([, score]) => score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(results.at(-1)![0].metadata.name).toBe('x');
    expect(scores.at(-1)).toBeCloseTo(-1, 5);
  });

  it('returns at most the number of stored vectors, and nothing from an empty store', async () => {
    const empty = axisStore();
    expect(await empty.similaritySearchVectorWithScore([1, 0, 0], 5)).toEqual([]);
    const store = axisStore();
    await store.addVectors(VECTORS.slice(0, 2), DOCS.slice(0, 2));
    expect(await store.similaritySearchVectorWithScore([1, 0, 0], 10)).toHaveLength(2);
  });

  it('applies a filter function on the documents', async () => {
    const store = axisStore();
    await store.addVectors(VECTORS, DOCS);
    const odd = await store.similaritySearchVectorWithScore([1, 0, 0], 4, (doc) => doc.metadata.group === 'odd');
    expect(odd.map(([doc]) => doc.metadata.name)).toEqual(['xy', 'y']);
    expect(odd[0]![1]).toBeCloseTo(Math.SQRT1_2, 5);
    const none = await store.similaritySearchVectorWithScore([1, 0, 0], 4, () => false);
    expect(none).toEqual([]);
  });

  it('rejects vectors of the wrong length and mismatched documents', async () => {
    const store = axisStore();
    await expect(store.addVectors([[1, 0]], [DOCS[0]!])).rejects.toThrow(/dimensions/);
    await expect(store.addVectors(VECTORS, DOCS.slice(0, 1))).rejects.toThrow();
    await store.addVectors(VECTORS, DOCS);
    await expect(store.similaritySearchVectorWithScore([1, 0], 1)).rejects.toThrow(/dimensions/);
  });

  it('grows past its initial capacity and still finds every vector', async () => {
    const store = new HnswVectorStore(embeddings, { dimensions: 3 });
    const vectors = Array.from({ length: 60 }, (_, i) => [Math.cos(i / 10), Math.sin(i / 10), (i % 7) / 7]);
    await store.addVectors(
      vectors,
      vectors.map((_, i) => new Document({ pageContent: `v${i}`, metadata: { i } })),
    );
    expect(store.size).toBe(60);
    for (const [i, vector] of vectors.entries()) {
      const [[doc, score]] = (await store.similaritySearchVectorWithScore(vector, 1)) as [[Document, number]];
      expect(doc.metadata.i).toBe(i);
      expect(score).toBeCloseTo(1, 4);
    }
  });

  it('stores vectors at unit length', async () => {
    const store = axisStore();
    await store.addVectors(VECTORS, DOCS);
    const [a, b, c] = store.graph.vectorAt(3);
    expect(a).toBeCloseTo(Math.SQRT1_2, 5);
    expect(b).toBeCloseTo(Math.SQRT1_2, 5);
    expect(c).toBeCloseTo(0, 5);
  });

  it('deletes documents by the ids it gave them, for good', async () => {
    const store = axisStore();
    const ids = await store.addVectors(VECTORS, DOCS);
    await store.delete({ ids: [ids[0]!, 'not an id', '99'] });
    expect(store.size).toBe(3);
    const results = await store.similaritySearchVectorWithScore([1, 0, 0], 4);
    expect(results.map(([doc]) => doc.metadata.name)).not.toContain('x');
    expect(results).toHaveLength(3);
    await store.delete({ ids: [ids[0]!] });
    expect(store.size).toBe(3);
  });

  it('embeds documents and queries through its embeddings (LangChain API)', async () => {
    const text = new HashEmbeddings(64);
    const store = new HnswVectorStore(text, { dimensions: 64 });
    await store.addDocuments(
      ['Copper prices surged on Tuesday', 'The football match ended in a draw', 'Rain is expected over the weekend'].map(
        (pageContent) => new Document({ pageContent, metadata: {} }),
      ),
    );
    const [best] = await store.similaritySearch('copper prices', 1);
    expect(best!.pageContent).toBe('Copper prices surged on Tuesday');
  });

  it('saves and loads back the same vectors, documents and results', async () => {
    const store = axisStore();
    await store.addVectors(VECTORS, DOCS);
    const dir = await makeTempDir('verbatim-hnsw-');
    await store.save(dir);
    expect((await readdir(dir)).sort()).toEqual(Object.values(HNSW_STORE_FILES).sort());
    const loaded = await HnswVectorStore.load(dir, embeddings);
    expect(loaded.size).toBe(4);
    expect(loaded.graph.dimensions).toBe(3);
    for (const [label, vector] of VECTORS.entries()) {
      const [[doc]] = (await loaded.similaritySearchVectorWithScore(vector, 1)) as [[Document, number]];
      expect(doc.pageContent).toBe(DOCS[label]!.pageContent);
      expect(doc.metadata).toEqual(DOCS[label]!.metadata);
      expect(loaded.graph.vectorAt(label)).toEqual(store.graph.vectorAt(label));
    }
    for (const query of [
      [1, 0, 0],
      [0.2, 0.9, 0.1],
      [-1, -1, 1],
    ]) {
      const before = (await store.similaritySearchVectorWithScore(query, 4)).map(([doc, score]) => [doc.metadata.name, score]);
      const after = (await loaded.similaritySearchVectorWithScore(query, 4)).map(([doc, score]) => [doc.metadata.name, score]);
      expect(after).toEqual(before);
    }
    // The loaded store keeps growing.
    await loaded.addVectors([[0, 1, 1]], [new Document({ pageContent: 'doc yz', metadata: { name: 'yz' } })]);
    const [[doc]] = (await loaded.similaritySearchVectorWithScore([0, 1, 1], 1)) as [[Document, number]];
    expect(doc.metadata.name).toBe('yz');
  });
});

describe('HnswVectorStore saved with deletions', () => {
  async function savedWithDeletion(): Promise<string> {
    const store = axisStore();
    const ids = await store.addVectors(VECTORS, DOCS);
    await store.delete({ ids: [ids[1]!] });
    const dir = await makeTempDir('verbatim-hnsw-');
    await store.save(dir);
    return dir;
  }

  it('loads back without the deleted document, and can delete more', async () => {
    const loaded = await HnswVectorStore.load(await savedWithDeletion(), embeddings);
    expect(loaded.size).toBe(3);
    expect((await loaded.similaritySearchVectorWithScore([0, 1, 0], 4)).map(([doc]) => doc.metadata.name)).not.toContain('y');
    await loaded.delete({ ids: ['1', '2'] });
    expect(loaded.size).toBe(2);
  });

  it('refuses documents whose deletions are not the graph’s', async () => {
    const dir = await savedWithDeletion();
    const file = path.join(dir, HNSW_STORE_FILES.documents);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { documents: unknown[] };
    saved.documents[1] = { pageContent: 'doc y', metadata: {} };
    await writeFile(file, JSON.stringify(saved));
    await expect(HnswVectorStore.load(dir, embeddings)).rejects.toThrow(/marks 1 vectors deleted, documents\.json 0/);
    saved.documents.pop();
    await writeFile(file, JSON.stringify(saved));
    await expect(HnswVectorStore.load(dir, embeddings)).rejects.toThrow(/4 vectors for 3 documents/);
  });
});
