/**
 * The systems `npm run bench` compares on the same corpus: this project's answering
 * pipeline, BM25 alone over sentences, the textbook LangChain recipe (1000-character chunks,
 * vector search only), and vector search alone over the project's own index.
 */
import { Document } from '@langchain/core/documents';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import MiniSearch from 'minisearch';
import { Answerer, DEFAULT_ANSWER, type AnswerOptions } from '../src/core/answer/answerer.js';
import type { CorpusDocument } from '../src/core/corpus/document.js';
import type { CorpusIndex } from '../src/core/index/corpus-index.js';
import type { DescribedEmbeddings } from '../src/core/index/embeddings/provider.js';
import type { SegmentedDocument } from '../src/core/index/segment.js';
import { termOf, tokenize } from '../src/core/text/tokens.js';
import { HnswVectorStore } from '../src/langchain/hnsw-vector-store.js';
import { cosine } from '../src/core/answer/evidence.js';

/** A passage a system answers with; offsets are into the document body (-1 when unknown). */
export interface Quote {
  source: string;
  start: number;
  end: number;
  text: string;
}

/**
 * A question-answering system under test: `search` returns its ranked passages, best first
 * (none: it abstains). `answerSize` is how many of them make its answer.
 */
export interface QuoteSystem {
  readonly name: string;
  readonly answerSize: number;
  search(question: string, k: number): Promise<Quote[]>;
}

/** This project: the core's answerer (hybrid retrieval, sentence evidence, abstention). */
export class ProjectSystem implements QuoteSystem {
  readonly name = 'this project';
  readonly answerSize: number;
  private readonly answerer: Answerer;

  constructor(index: CorpusIndex, embeddings: DescribedEmbeddings, options: Partial<AnswerOptions> = {}) {
    this.answerer = new Answerer(index, embeddings, { ...DEFAULT_ANSWER, ...options });
    this.answerSize = options.maxQuotes ?? DEFAULT_ANSWER.maxQuotes;
  }

  /** The answer's quotes (at most `maxQuotes`, whatever `k`). */
  async search(question: string): Promise<Quote[]> {
    const answer = await this.answerer.ask(question);
    return answer.citations.map((citation) => ({ source: citation.source, start: citation.start, end: citation.end, text: citation.quote }));
  }
}

/**
 * BM25 (MiniSearch, OR of the terms) over texts reduced to the core's terms: its tokens and
 * stems, so the peer differs from this project in ranking only. The bench's own, so that the
 * peer stays the same whatever engine the core's index moves to.
 */
export class Bm25Index {
  private static readonly OPTIONS = {
    fields: ['text'],
    idField: 'id',
    tokenize: (terms: string) => terms.split(' '),
    processTerm: (term: string) => term || null,
  };

  private constructor(private readonly search: MiniSearch<{ id: number; text: string }>) {}

  /** Indexes `texts`; the i-th text is label i. */
  static build(texts: string[]): Bm25Index {
    const search = new MiniSearch<{ id: number; text: string }>(Bm25Index.OPTIONS);
    search.addAll(texts.map((text, id) => ({ id, text: Bm25Index.terms(text).join(' ') })));
    return new Bm25Index(search);
  }

  private static terms(text: string): string[] {
    return tokenize(text).flatMap((token) => termOf(token.text) ?? []);
  }

  /** Labels ranked by BM25 for the query, best first. */
  searchLabels(query: string, k: number): { label: number; score: number }[] {
    const terms = Bm25Index.terms(query);
    if (terms.length === 0) return [];
    return this.search
      .search(terms.join(' '), { combineWith: 'OR' })
      .slice(0, k)
      .map((result) => ({ label: Number(result.id), score: result.score }));
  }

  toJSON(): string {
    return JSON.stringify(this.search);
  }
}

/** BM25 alone over every sentence ({@link Bm25Index}); the top sentence is the quote. */
export class Bm25Sentences implements QuoteSystem {
  readonly name = 'BM25 only (MiniSearch over sentences)';
  readonly answerSize = 1;

  private constructor(
    private readonly lexical: Bm25Index,
    private readonly quotes: Quote[],
  ) {}

  static build(documents: SegmentedDocument[]): Bm25Sentences {
    const quotes = documents.flatMap(({ document, sentences }) =>
      sentences.map((sentence) => ({
        source: document.source,
        start: sentence.start,
        end: sentence.end,
        text: document.body.slice(sentence.start, sentence.end),
      })),
    );
    return new Bm25Sentences(Bm25Index.build(quotes.map((quote) => quote.text)), quotes);
  }

  async search(question: string, k: number): Promise<Quote[]> {
    return this.lexical.searchLabels(question, k).map(({ label }) => this.quotes[label]!);
  }
}

/**
 * The textbook recipe: `RecursiveCharacterTextSplitter` (1000 characters, 200 overlap), the
 * same embeddings, an HNSW vector store, top-k by vector only; the top chunk is the "quote".
 */
export class TextbookRecipe implements QuoteSystem {
  readonly name = 'textbook recipe (1000-char chunks, vector top-k)';
  readonly answerSize = 1;

  private constructor(
    private readonly store: HnswVectorStore,
    private readonly embeddings: DescribedEmbeddings,
  ) {}

  static async build(documents: CorpusDocument[], embeddings: DescribedEmbeddings): Promise<TextbookRecipe> {
    const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
    const chunks: Document[] = [];
    for (const document of documents) {
      let from = 0;
      for (const text of await splitter.splitText(document.body)) {
        const start = document.body.indexOf(text, from);
        if (start !== -1) from = start + 1;
        chunks.push(new Document({ pageContent: text, metadata: { source: document.source, start, end: start === -1 ? -1 : start + text.length } }));
      }
    }
    const store = new HnswVectorStore(embeddings, { dimensions: embeddings.info.dimensions });
    await store.addDocuments(chunks);
    return new TextbookRecipe(store, embeddings);
  }

  async search(question: string, k: number): Promise<Quote[]> {
    const vector = await this.embeddings.embedQuery(question);
    if (vector.every((value) => value === 0)) return []; // no known word: no direction to search
    const found = await this.store.similaritySearchVectorWithScore(vector, k);
    return found.map(([document]) => ({
      source: String(document.metadata.source),
      start: Number(document.metadata.start),
      end: Number(document.metadata.end),
      text: document.pageContent,
    }));
  }
}

/**
 * Vectors alone over the project's index: HNSW nearest chunks (`topChunks`, as the core
 * retrieves), then their sentences ranked by the cosine of their own vectors.
 */
export class VectorOnly implements QuoteSystem {
  readonly name = 'vector only (HNSW chunks → sentence cosine)';
  readonly answerSize = 1;

  constructor(
    private readonly index: CorpusIndex,
    private readonly embeddings: DescribedEmbeddings,
    private readonly topChunks = 6,
  ) {}

  async search(question: string, k: number): Promise<Quote[]> {
    const vector = await this.embeddings.embedQuery(question);
    if (vector.every((value) => value === 0)) return [];
    const seen = new Set<string>();
    const candidates: { doc: number; sentence: number; score: number }[] = [];
    for (const { label } of this.index.graph.search(vector, this.topChunks)) {
      const { doc } = this.index.chunkRefs[label]!;
      const { chunk } = this.index.chunk(label);
      for (let sentence = chunk.firstSentence; sentence <= chunk.lastSentence; sentence++) {
        const key = `${doc}:${sentence}`;
        if (seen.has(key)) continue;
        seen.add(key);
        candidates.push({ doc, sentence, score: cosine(vector, this.index.sentenceVector({ doc, sentence })) });
      }
    }
    return candidates
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ doc, sentence }) => {
        const { document } = this.index.documents[doc]!;
        const span = this.index.sentence({ doc, sentence });
        return { source: document.source, start: span.start, end: span.end, text: document.body.slice(span.start, span.end) };
      });
  }
}
