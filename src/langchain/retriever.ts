import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { Confidence } from '../core/answer/confidence.js';
import type { Answer } from '../core/answer/types.js';

/** Anything that answers a question with verified quotes: an `Answerer`, or the `Verbatim` service. */
export interface QuoteAnswerer {
  ask(question: string): Promise<Answer>;
}

/** A quote's citation, as {@link VerbatimRetriever} puts it in a `Document`'s `metadata`. */
export interface QuoteMetadata {
  /** The `[n]` marker of the quote in Verbatim's answer, from 1. */
  citation: number;
  source: string;
  title: string;
  date?: string;
  section?: string;
  url?: string;
  /** `pageContent` is exactly the article's body from `start` to `end`. */
  start: number;
  end: number;
  /** Evidence score in [0, 1]: higher is better. */
  score: number;
  /** `high` when the quotes answer the question, `low` when they are only the closest passages. */
  confidence: Confidence;
}

export interface VerbatimRetrieverInput extends BaseRetrieverInput {
  answerer: QuoteAnswerer;
}

/**
 * A LangChain retriever whose documents are the quotes Verbatim answers a question with: each
 * `pageContent` is a verified verbatim sentence of an article, its citation in `metadata`.
 * An abstention gives no document; so does a question about the articles themselves (their
 * dates, sources, authors), which Verbatim answers from metadata rather than with quotes.
 */
export class VerbatimRetriever extends BaseRetriever<QuoteMetadata> {
  lc_namespace = ['verbatim', 'retrievers'];

  private readonly answerer: QuoteAnswerer;

  constructor(fields: VerbatimRetrieverInput) {
    super(fields);
    this.answerer = fields.answerer;
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<QuoteMetadata>[]> {
    const answer = await this.answerer.ask(query);
    if (answer.abstained || answer.confidence === undefined) return [];
    const confidence = answer.confidence;
    return answer.citations.map(
      ({ n, source, title, date, section, url, quote, start, end, score }) =>
        new Document<QuoteMetadata>({
          pageContent: quote,
          metadata: {
            citation: n,
            source,
            title,
            start,
            end,
            score,
            confidence,
            ...(date !== undefined && { date }),
            ...(section !== undefined && { section }),
            ...(url !== undefined && { url }),
          },
        }),
    );
  }
}
