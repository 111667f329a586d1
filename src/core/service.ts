import { IndexNotFoundError, ReindexInProgressError } from './errors.js';
import { Answerer, DEFAULT_ANSWER, type AnswerOptions } from './answer/answerer.js';
import type { Answer, Citation } from './answer/types.js';
import { buildIndex, type BuildProgress, type BuildReport } from './index/build.js';
import { loadIndex, type CorpusIndex } from './index/corpus-index.js';
import type { DescribedEmbeddings } from './index/embeddings/provider.js';
import { describeLeftovers, recoverIndexLeftovers } from './index/leftovers.js';
import type { IndexManifest } from './index/manifest.js';
import { buildIndexInWorker } from './index/worker-build.js';

export interface VerbatimOptions {
  corpusDir: string;
  indexDir: string;
  embeddings: DescribedEmbeddings;
  answer?: Partial<AnswerOptions>;
  maxFileBytes?: number;
  /** Told, in one line, what interrupted saves had left and was removed or put back before a load or build. */
  onLeftovers?: (line: string) => void;
}

/** The text around a cited sentence, for "show passages". */
export interface Passage {
  n: number;
  title: string;
  section?: string;
  /** The sentences before and after the quote, with the quote itself, as in the article. */
  before: string;
  quote: string;
  after: string;
}

/** Removes (or puts back) what interrupted saves of the index left, saying so when there was anything. */
async function cleanUpLeftovers({ indexDir, onLeftovers }: VerbatimOptions): Promise<void> {
  const line = describeLeftovers(await recoverIndexLeftovers(indexDir), indexDir);
  if (line !== undefined) onLeftovers?.(line);
}

/**
 * The core's one entry point for the CLI, the bot and the tests: answers from the current
 * index, and rebuilds it without interrupting answers (one rebuild at a time; the new index
 * replaces the old only once it is complete and saved).
 */
export class Verbatim {
  private answerer: Answerer;
  private reindexing: Promise<BuildReport> | undefined;

  private constructor(
    private readonly options: VerbatimOptions,
    index: CorpusIndex,
  ) {
    this.answerer = this.answererFor(index);
  }

  /**
   * Loads the index, building it first when there is none.
   *
   * @param onBuild - called when a build starts because no index exists, and with its progress
   * @throws {@link IndexMismatchError} / {@link IndexCorruptError} for an unusable index (never rebuilt silently)
   */
  static async open(options: VerbatimOptions, onBuild?: (progress: BuildProgress) => void): Promise<Verbatim> {
    let index: CorpusIndex;
    // Before loading: a save killed between its renames leaves no index but a complete copy.
    await cleanUpLeftovers(options);
    try {
      index = await loadIndex(options.indexDir, options.embeddings);
    } catch (error) {
      if (!(error instanceof IndexNotFoundError)) throw error;
      const built = await buildIndex({ ...options, ...(onBuild ? { onProgress: onBuild } : {}) });
      index = built.index;
    }
    // Made now rather than by the first question, which would make it in one go: seconds on a
    // large corpus during which a bot acknowledges no interaction.
    await index.prepare();
    return new Verbatim(options, index);
  }

  private answererFor(index: CorpusIndex): Answerer {
    return new Answerer(index, this.options.embeddings, { ...DEFAULT_ANSWER, ...this.options.answer });
  }

  /** The index answers come from now. */
  get index(): CorpusIndex {
    return this.answerer.index;
  }

  get manifest(): IndexManifest {
    return this.index.manifest;
  }

  /** Whether a reindex is running. */
  get isReindexing(): boolean {
    return this.reindexing !== undefined;
  }

  /**
   * Answers with verbatim quotes, or abstains.
   *
   * @throws {@link InvalidQuestionError} for an empty or overlong question
   */
  ask(question: string): Promise<Answer> {
    return this.answerer.ask(question);
  }

  /**
   * Rebuilds the index from the corpus directory, reusing the vectors of unchanged documents.
   * Answers keep coming from the old index until the new one is saved; a failed build
   * leaves the old one in place.
   *
   * With embeddings that carry a {@link DescribedEmbeddings.recipe} (all the configured ones),
   * the build runs in a worker thread, from the index saved on disk: this thread only loads the
   * finished index and swaps it in, so answers are not held up by a large corpus or file.
   *
   * @throws {@link ReindexInProgressError} when one is already running
   * @throws the named core errors of {@link buildIndex} when the build fails
   */
  async reindex(onProgress?: (progress: BuildProgress) => void): Promise<BuildReport> {
    if (this.reindexing) throw new ReindexInProgressError();
    const run = async () => {
      const { embeddings, corpusDir, indexDir, maxFileBytes } = this.options;
      let index: CorpusIndex;
      let report: BuildReport;
      await cleanUpLeftovers(this.options);
      if (embeddings.recipe) {
        report = await buildIndexInWorker({ corpusDir, indexDir, recipe: embeddings.recipe, ...(maxFileBytes !== undefined ? { maxFileBytes } : {}), ...(onProgress ? { onProgress } : {}) });
        index = await loadIndex(indexDir, embeddings);
      } else {
        ({ index, report } = await buildIndex({ ...this.options, previous: this.index, ...(onProgress ? { onProgress } : {}) }));
      }
      await index.prepare();
      this.answerer = this.answererFor(index);
      return report;
    };
    this.reindexing = run();
    try {
      return await this.reindexing;
    } finally {
      this.reindexing = undefined;
    }
  }

  /** The surrounding sentences of each citation, from the index that answered. */
  passages(citations: Citation[], around = 1): Passage[] {
    return citations.flatMap((citation) => {
      const doc = this.index.documentBySource(citation.source);
      const position = doc?.sentences.findIndex((sentence) => sentence.start === citation.start && sentence.end === citation.end) ?? -1;
      if (!doc || position === -1) return [];
      const { body } = doc.document;
      const first = doc.sentences[Math.max(0, position - around)]!;
      const last = doc.sentences[Math.min(doc.sentences.length - 1, position + around)]!;
      const passage: Passage = {
        n: citation.n,
        title: citation.title,
        before: body.slice(first.start, citation.start).trim(),
        quote: citation.quote,
        after: body.slice(citation.end, last.end).trim(),
      };
      if (citation.section !== undefined) passage.section = citation.section;
      return [passage];
    });
  }
}
