import type { DocumentInterface } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../../src/core/answer/answerer.js';
import type { Answer } from '../../src/core/answer/types.js';
import { buildIndex } from '../../src/core/index/build.js';
import type { CorpusIndex } from '../../src/core/index/corpus-index.js';
import type { GloveEmbeddings as CoreGloveEmbeddings } from '../../src/core/index/embeddings/glove.js';
import { GloveEmbeddings, HnswVectorStore, VerbatimEmbeddings, VerbatimRetriever, type QuoteMetadata } from '../../src/langchain/index.js';
import { CACHE_DIR, CORPUS_DIR, GLOVE_TIMEOUT, HashEmbeddings, loadGlove, makeTempDir, readDevQuestions, removeTempDirs } from '../helpers/core.js';

let glove: CoreGloveEmbeddings;
let index: CorpusIndex;
let answerer: Answerer;

beforeAll(async () => {
  glove = await loadGlove();
  index = (await buildIndex({ corpusDir: CORPUS_DIR, indexDir: await makeTempDir(), embeddings: glove, save: false })).index;
  answerer = new Answerer(index, glove);
}, GLOVE_TIMEOUT);
afterAll(removeTempDirs);

describe('GloveEmbeddings and VerbatimEmbeddings (LangChain Embeddings)', () => {
  it('are LangChain Embeddings giving exactly the core vectors', async () => {
    const embeddings = await GloveEmbeddings.load(CACHE_DIR);
    expect(embeddings).toBeInstanceOf(Embeddings);
    expect(embeddings.info).toEqual(glove.info);
    const texts = ['The summit was cancelled.', 'Moscow refused to soften its demands.'];
    expect(await embeddings.embedDocuments(texts)).toEqual(await glove.embedDocuments(texts));
    expect(await embeddings.embedQuery(texts[0]!)).toEqual(await glove.embedQuery(texts[0]!));
  });

  it('wraps any core embeddings, and feed a LangChain vector store made the LangChain way', async () => {
    const embeddings = new VerbatimEmbeddings(new HashEmbeddings(64));
    const store = await HnswVectorStore.fromTexts(
      ['Copper prices surged on Tuesday', 'The football match ended in a draw'],
      [{ id: 1 }, { id: 2 }],
      embeddings,
    );
    expect(store.graph.dimensions).toBe(64);
    const [best] = await store.similaritySearch('copper prices', 1);
    expect(best).toMatchObject({ pageContent: 'Copper prices surged on Tuesday', metadata: { id: 1 } });
    const retrieved = await store.asRetriever({ k: 1 }).invoke('football match');
    expect(retrieved.map((doc) => doc.pageContent)).toEqual(['The football match ended in a draw']);
    await expect(HnswVectorStore.fromDocuments([], embeddings)).rejects.toThrow(/dimensions/);
  });
});

/** What a chain might do with the retrieved quotes: number them for a prompt. */
const formatDocs = (documents: DocumentInterface<QuoteMetadata>[]) =>
  documents
    .map((doc) => `[${doc.metadata.citation}] “${doc.pageContent}” (${doc.metadata.title}, ${doc.metadata.source} ${doc.metadata.start}–${doc.metadata.end})`)
    .join('\n');

describe('VerbatimRetriever', () => {
  it('is a LangChain retriever whose documents are the answer’s quotes, each exactly its article’s body at [start, end), in a runnable sequence', async () => {
    const retriever = new VerbatimRetriever({ answerer });
    expect(retriever).toBeInstanceOf(BaseRetriever);
    const seen: DocumentInterface<QuoteMetadata>[][] = [];
    const chain = RunnableSequence.from([
      retriever,
      RunnableLambda.from((documents: DocumentInterface<QuoteMetadata>[]) => (seen.push(documents), documents)),
      formatDocs,
    ]);
    let quoted = 0;
    for (const { question, kind } of await readDevQuestions()) {
      const answer = await answerer.ask(question);
      const prompt = await chain.invoke(question);
      const documents = seen.at(-1)!;
      expect(documents.map((doc) => doc.pageContent)).toEqual(answer.abstained ? [] : answer.citations.map((citation) => citation.quote));
      for (const doc of documents) {
        const body = index.documentBySource(doc.metadata.source)!.document.body;
        expect(body.slice(doc.metadata.start, doc.metadata.end), question).toBe(doc.pageContent);
        expect(doc.metadata).toMatchObject({ title: expect.any(String), date: '2025-10-31', score: expect.any(Number), confidence: answer.confidence });
        expect(prompt).toContain(`[${doc.metadata.citation}] “${doc.pageContent}”`);
      }
      expect(documents.map((doc) => doc.metadata.citation)).toEqual(documents.map((_, i) => i + 1));
      if (kind === 'answerable') quoted += documents.length;
    }
    expect(quoted).toBeGreaterThan(0);
  });

  it('gives no document for an abstention, and pipes like any runnable', async () => {
    const abstaining = { ask: async (question: string): Promise<Answer> => ({ question, abstained: true, citations: [] }) };
    const chain = new VerbatimRetriever({ answerer: abstaining }).pipe(formatDocs);
    expect(await chain.invoke('What is the capital of Peru?')).toBe('');
    expect(await new VerbatimRetriever({ answerer }).pipe(formatDocs).invoke('Why was the Budapest summit cancelled?')).toMatch(
      /^\[1\] “.*refused to soften its hardline demands/,
    );
  });
});
