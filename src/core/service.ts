import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IndexCorruptError, IndexNotFoundError, ReindexInProgressError, isVerbatimError, type VerbatimError } from './errors.js';
import {
  articleFileName,
  checkArticleTarget,
  moveArticleOut,
  prepareArticle,
  writeArticle,
  type ArticleFields,
  type RemovedArticle,
  type SavedArticle,
} from './corpus/changes.js';
import { DEFAULT_MAX_FILE_BYTES, listCorpusSources } from './corpus/loader.js';
import { Answerer, DEFAULT_ANSWER, type AnswerOptions, type AskContext } from './answer/answerer.js';
import type { Answer } from './answer/types.js';
// Building (corpus reading, segmenting, embedding, the worker) is imported when a build starts:
// a command that only asks should not load it.
import type { BuildProgress, BuildReport } from './index/build.js';
import { loadIndex, type CorpusIndex } from './index/corpus-index.js';
import type { DescribedEmbeddings } from './index/embeddings/provider.js';
import { describeLeftovers, recoverIndexLeftovers } from './index/leftovers.js';
import { MANIFEST_FILE, type IndexManifest } from './index/manifest.js';
import type { QuoteReference } from './index/reference.js';

export interface VerbatimOptions {
  corpusDir: string;
  indexDir: string;
  embeddings: DescribedEmbeddings;
  answer?: Partial<AnswerOptions>;
  maxFileBytes?: number;
  /** Told, in one line, what interrupted saves had left and was removed or put back before a load or build. */
  onLeftovers?: (line: string) => void;
}

/** How the last reindex ended, for a health report. */
export interface ReindexOutcome {
  /** ISO time it ended. */
  finishedAt: string;
  /** `reindex`: this process rebuilt it; `index folder`: another process (`npm run index`) saved a new index, loaded since. */
  trigger: 'reindex' | 'index folder';
  ok: boolean;
  seconds: number;
  /** Documents in the new index; on failure, why it failed (the previous index keeps serving). */
  documents?: number;
  error?: string;
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

/** An indexed article, as a moderator's list shows it. */
export interface ArticleSummary {
  source: string;
  title: string;
  date?: string;
  /** From the front matter's `source`. */
  publisher?: string;
  url?: string;
  sentences: number;
}

/** Who asked for a change to the articles, and what they are told while it waits and runs. */
export interface ArticleChangeOptions {
  /** Shown to another build that has to wait for this change's reindex (`/article add by …`). */
  requestedBy?: string;
  /** Called when the change has to wait: for a running reindex, or for another change. */
  onWaiting?: (what: 'reindex' | 'change') => void;
  onProgress?: (progress: BuildProgress) => void;
}

/** An article to add: its file name, its bytes (or how to fetch them), the front matter to give it. */
export interface AddArticleRequest extends ArticleChangeOptions {
  fileName: string;
  content: Uint8Array | (() => Promise<Uint8Array>);
  fields?: ArticleFields;
  /** Replace a file of the same name (else refused). */
  replace?: boolean;
}

/**
 * How a change to the articles ended: the change is made (the file saved or moved) whatever
 * happened next; then either the reindex's report, or the core error that failed it (the
 * previous index keeps serving, and the file stays as changed).
 */
export type ArticleChangeResult<T> = { change: T } & ({ ok: true; report: BuildReport } | { ok: false; error: VerbatimError });

/**
 * How a reindex or a reload of the index folder ended, timed from `started` (a
 * `performance.now()` reading): the new index's document count, or the error that kept it out.
 */
function outcomeOf(trigger: ReindexOutcome['trigger'], started: number, result: { documents: number } | { error: unknown }): ReindexOutcome {
  const timing = { finishedAt: new Date().toISOString(), trigger, seconds: Math.round(performance.now() - started) / 1000 };
  if ('documents' in result) return { ...timing, ok: true, documents: result.documents };
  return { ...timing, ok: false, error: result.error instanceof Error ? result.error.message : String(result.error) };
}

/** Removes (or puts back) what interrupted saves of the index left, saying so when there was anything. */
async function cleanUpLeftovers({ indexDir, onLeftovers }: VerbatimOptions): Promise<void> {
  const line = describeLeftovers(await recoverIndexLeftovers(indexDir), indexDir);
  if (line !== undefined) onLeftovers?.(line);
}

/**
 * An answerer for `index` with what its first questions would make in one block each (the
 * lexicon, the acronym expansions) made now, in slices: seconds on a large corpus during which
 * a bot would acknowledge no interaction.
 */
async function preparedAnswerer(index: CorpusIndex, options: VerbatimOptions): Promise<Answerer> {
  const answerer = new Answerer(index, options.embeddings, { ...DEFAULT_ANSWER, ...options.answer });
  await answerer.prepare();
  return answerer;
}

/**
 * The core's one entry point for the CLI, the bot and the tests: answers from the current
 * index, and rebuilds it without interrupting answers (one rebuild at a time; the new index
 * replaces the old only once it is complete and saved).
 */
export class Verbatim {
  private reindexing: Promise<BuildReport> | undefined;
  private lastOutcome: ReindexOutcome | undefined;
  /** Settles when the last queued change to the articles has ended. */
  private changeQueue: Promise<void> = Promise.resolve();
  private queuedChanges = 0;
  /** Questions being answered, by the answerer they began with: a replaced index is closed when its last one ends. */
  private readonly answering = new Map<Answerer, number>();
  /** The first damage a question met in the index answering now; cleared when another index replaces it. */
  private damage: IndexCorruptError | undefined;

  private constructor(
    private readonly options: VerbatimOptions,
    private answerer: Answerer,
  ) {}

  /**
   * Loads the index, building it first when there is none.
   *
   * @param onBuild - called when a build starts because no index exists, and with its progress
   * @throws {@link IndexMismatchError} / {@link IndexCorruptError} for an unusable index (never rebuilt silently)
   */
  static async open(options: VerbatimOptions, onBuild?: (progress: BuildProgress) => void): Promise<Verbatim> {
    const existing = await Verbatim.openExisting(options);
    if (existing) return existing;
    const { buildIndex } = await import('./index/build.js');
    const built = await buildIndex({ ...options, ...(onBuild ? { onProgress: onBuild } : {}) });
    return new Verbatim(options, await preparedAnswerer(built.index, options));
  }

  /**
   * Loads the index when there is one, as {@link Verbatim.open} does; `undefined` when there is
   * none (nothing is built). The bot loads it so while it logs in.
   *
   * @throws {@link IndexMismatchError} / {@link IndexCorruptError} for an unusable index
   */
  static async openExisting(options: VerbatimOptions): Promise<Verbatim | undefined> {
    let index: CorpusIndex;
    // Before loading: a save killed between its renames leaves no index but a complete copy.
    await cleanUpLeftovers(options);
    try {
      index = await loadIndex(options.indexDir, options.embeddings);
    } catch (error) {
      if (!(error instanceof IndexNotFoundError)) throw error;
      return undefined;
    }
    return new Verbatim(options, await preparedAnswerer(index, options));
  }

  /** The index answers come from now. */
  get index(): CorpusIndex {
    return this.answerer.index;
  }

  get manifest(): IndexManifest {
    return this.index.manifest;
  }

  /**
   * The first damage a question has met in the index answering now (a block that differs from
   * its hash…): the index still answers the questions that do not read it, so this is for an
   * admin to see (`/healthz`), not a reason to stop. `undefined` while none has been met, and
   * again once another index replaces this one.
   */
  get indexDamage(): IndexCorruptError | undefined {
    return this.damage;
  }

  /** How the last reindex of this process ended; `undefined` before the first. */
  get lastReindex(): ReindexOutcome | undefined {
    return this.lastOutcome;
  }

  /** Whether a reindex is running. */
  get isReindexing(): boolean {
    return this.reindexing !== undefined;
  }

  /** The largest article file a reindex reads (and an added article may be). */
  get maxFileBytes(): number {
    return this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /** The indexed articles, in the index's order (by file name). */
  articles(): ArticleSummary[] {
    return this.index.documents.map(({ document, sentences }) => {
      const summary: ArticleSummary = { source: document.source, title: document.title, sentences: sentences.length };
      if (document.date !== undefined) summary.date = document.date;
      if (document.publisher !== undefined) summary.publisher = document.publisher;
      if (document.url !== undefined) summary.url = document.url;
      return summary;
    });
  }

  /** The article files in the corpus folder now (indexed or not), as sources; none when it cannot be read. */
  corpusSources(): Promise<string[]> {
    return listCorpusSources(this.options.corpusDir).catch(() => []);
  }

  /**
   * Adds an article to the corpus folder and indexes it: the name and the bytes are checked as
   * a reindex checks a file (and the name as safe: no folder, not hidden, `.txt`/`.md`), the
   * fields written in its front matter, the file saved atomically, then the index rebuilt
   * incrementally. One change at a time, each after any running reindex (see {@link ArticleChangeOptions.onWaiting}).
   *
   * @throws {@link ArticleChangeError} when the article is refused (nothing is saved)
   * @returns the saved article and how its reindex ended: a failed reindex keeps the file and the previous index
   */
  async addArticle(request: AddArticleRequest): Promise<ArticleChangeResult<SavedArticle & { sentences?: number }>> {
    const name = articleFileName(request.fileName);
    const replace = request.replace ?? false;
    // Its place in the queue is taken before the checks and the download, which may end in any order.
    const turn = this.queueChange(request);
    let prepared: ReturnType<typeof prepareArticle>;
    try {
      // Before downloading anything: a name that is taken is refused at once.
      await checkArticleTarget(this.options.corpusDir, name, replace);
      const bytes = typeof request.content === 'function' ? await request.content() : request.content;
      prepared = prepareArticle(name, bytes, request.fields ?? {}, this.maxFileBytes);
    } catch (error) {
      turn.cancel();
      throw error;
    }
    return turn.run(async () => {
      const { replaced } = await writeArticle(this.options.corpusDir, name, prepared.bytes, replace);
      const change: SavedArticle & { sentences?: number } = { source: name, title: prepared.title, replaced };
      const result = await this.reindexAfterChange(change, request);
      const indexed = this.index.documentBySource(name);
      if (result.ok && indexed) {
        change.title = indexed.document.title;
        change.sentences = indexed.sentences.length;
      }
      return result;
    });
  }

  /**
   * Moves an article out of the corpus folder, into `removed/` beside it (never deleted), then
   * reindexes; queued like {@link addArticle}.
   *
   * @param source - the article's path relative to the corpus folder, as the index lists it
   * @throws {@link ArticleChangeError} when there is no such article file (nothing is moved)
   */
  async removeArticle(source: string, options: ArticleChangeOptions = {}): Promise<ArticleChangeResult<RemovedArticle & { title?: string }>> {
    return this.queueChange(options).run(async () => {
      const title = this.index.documentBySource(source)?.document.title;
      const change: RemovedArticle & { title?: string } = await moveArticleOut(this.options.corpusDir, source);
      if (title !== undefined) change.title = title;
      return this.reindexAfterChange(change, options);
    });
  }

  /**
   * Takes the next place in the queue of changes, at once: changes run in the order they were
   * asked for. `run` runs a change after the changes queued before it and after any running
   * reindex; `cancel` gives the place up (an article refused before its turn), passing it on
   * once the changes before it are done.
   */
  private queueChange(options: ArticleChangeOptions): { run<T>(change: () => Promise<T>): Promise<T>; cancel(): void } {
    const previous = this.changeQueue;
    let done!: () => void;
    this.changeQueue = new Promise<void>((resolve) => (done = resolve));
    if (this.queuedChanges > 0) options.onWaiting?.('change');
    this.queuedChanges++;
    return {
      run: async <T>(change: () => Promise<T>): Promise<T> => {
        try {
          await previous;
          await this.reindexEnded(options);
          return await change();
        } finally {
          this.queuedChanges--;
          done();
        }
      },
      cancel: () => {
        this.queuedChanges--;
        void previous.then(done);
      },
    };
  }

  /** Waits until no reindex runs (a /reindex may start while a change waits). */
  private async reindexEnded(options: ArticleChangeOptions): Promise<void> {
    let told = false;
    while (this.reindexing) {
      if (!told) options.onWaiting?.('reindex');
      told = true;
      await this.reindexing.catch(() => undefined);
    }
  }

  /** Reindexes after a change; a core error is returned with the change, which stays made. */
  private async reindexAfterChange<T>(change: T, options: ArticleChangeOptions): Promise<ArticleChangeResult<T>> {
    await this.reindexEnded(options);
    try {
      // Called with no reindex running (checked just above, nothing awaited since): never refused.
      return { change, ok: true, report: await this.reindex(options.onProgress, options.requestedBy) };
    } catch (error) {
      if (!isVerbatimError(error)) throw error;
      return { change, ok: false, error };
    }
  }

  /**
   * Answers with verbatim quotes, or abstains. With `context.previous`, the question is a
   * follow-up to that one: see {@link Answerer.ask}.
   *
   * @throws {@link InvalidQuestionError} for an empty or overlong question
   */
  async ask(question: string, context?: AskContext): Promise<Answer> {
    const answerer = this.answerer;
    this.answering.set(answerer, (this.answering.get(answerer) ?? 0) + 1);
    try {
      return await answerer.ask(question, context);
    } catch (error) {
      if (error instanceof IndexCorruptError && answerer === this.answerer) this.damage ??= error;
      throw error;
    } finally {
      const left = this.answering.get(answerer)! - 1;
      if (left > 0) this.answering.set(answerer, left);
      else {
        this.answering.delete(answerer);
        if (answerer !== this.answerer) answerer.index.close();
      }
    }
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
   * @param requestedBy - who asked, shown to another build that has to wait for this one
   * @throws {@link ReindexInProgressError} when one is already running
   * @throws the named core errors of {@link buildIndex} when the build fails
   */
  async reindex(onProgress?: (progress: BuildProgress) => void, requestedBy?: string): Promise<BuildReport> {
    if (this.reindexing) throw new ReindexInProgressError();
    const run = async () => {
      const { embeddings, corpusDir, indexDir, maxFileBytes } = this.options;
      let index: CorpusIndex;
      let report: BuildReport;
      await cleanUpLeftovers(this.options);
      if (embeddings.recipe) {
        const { buildIndexInWorker } = await import('./index/worker-build.js');
        report = await buildIndexInWorker({
          corpusDir,
          indexDir,
          recipe: embeddings.recipe,
          ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
          ...(onProgress ? { onProgress } : {}),
          ...(requestedBy ? { command: requestedBy } : {}),
        });
        index = await loadIndex(indexDir, embeddings);
      } else {
        const { buildIndex } = await import('./index/build.js');
        ({ index, report } = await buildIndex({
          ...this.options,
          previous: this.index,
          ...(onProgress ? { onProgress } : {}),
          ...(requestedBy ? { command: requestedBy } : {}),
        }));
      }
      this.swapIn(await preparedAnswerer(index, this.options));
      return report;
    };
    const started = performance.now();
    this.reindexing = run();
    try {
      const report = await this.reindexing;
      this.lastOutcome = outcomeOf('reindex', started, report);
      return report;
    } catch (error) {
      this.lastOutcome = outcomeOf('reindex', started, { error });
      throw error;
    } finally {
      this.reindexing = undefined;
    }
  }

  /**
   * Answers from `index` from now on, unless it is older than the one answering: a reload of
   * the folder and a reindex can finish in either order, and the newest build must win.
   */
  private swapIn(answerer: Answerer): void {
    if (answerer.index.manifest.builtAt < this.manifest.builtAt) {
      answerer.index.close();
      return;
    }
    const replaced = this.answerer;
    this.answerer = answerer;
    if (replaced !== answerer) this.damage = undefined;
    // A replaced index's files are closed (its folder is gone, their disk space freed), once no question reads it.
    if (replaced !== answerer && !this.answering.has(replaced)) replaced.index.close();
  }

  /**
   * Notices a new index saved to the index folder by another process (`npm run index` beside a
   * running bot) and answers from it, as after a reindex: the folder's manifest is checked every
   * `intervalMs`, and a build other than the one answering (and not this process's own reindex)
   * is loaded and swapped in. A folder that cannot be loaded (being replaced, damaged) is
   * reported once through `onReload` and the current index keeps answering.
   *
   * @returns the function that stops watching
   */
  watchIndexFolder(onReload: (outcome: ReindexOutcome) => void, intervalMs = 2000): () => void {
    const manifestPath = path.join(this.options.indexDir, MANIFEST_FILE);
    let failedBuild: string | undefined;
    let checking = false;
    const check = async () => {
      if (checking || this.reindexing) return;
      checking = true;
      const started = performance.now();
      let builtAt: string | undefined;
      try {
        builtAt = (JSON.parse(await readFile(manifestPath, 'utf8')) as { builtAt?: string }).builtAt;
        if (builtAt === undefined || builtAt === this.manifest.builtAt || builtAt === failedBuild || this.reindexing) return;
        const index = await loadIndex(this.options.indexDir, this.options.embeddings);
        this.swapIn(await preparedAnswerer(index, this.options));
        this.lastOutcome = outcomeOf('index folder', started, { documents: index.manifest.documents.length });
        onReload(this.lastOutcome);
      } catch (error) {
        // A manifest read mid-replace is simply read again next time; a build that will not load is reported once.
        if (builtAt === undefined || builtAt === failedBuild) return;
        failedBuild = builtAt;
        this.lastOutcome = outcomeOf('index folder', started, { error });
        onReload(this.lastOutcome);
      } finally {
        checking = false;
      }
    };
    const listener = () => void check();
    // Polling the path, not watching the folder: a build replaces the folder, which ends an inotify watch.
    watchFile(manifestPath, { interval: intervalMs, persistent: false }, listener);
    return () => unwatchFile(manifestPath, listener);
  }

  /**
   * The surrounding sentences of each referenced quote (`n` its place in `references`, from 1),
   * from the index now serving: a quote whose document has changed or gone since is left out.
   */
  passages(references: readonly QuoteReference[], around = 1): Passage[] {
    return references.flatMap((reference, i) => {
      const found = this.index.referenced(reference);
      if (!found) return [];
      const { segmented, position } = found;
      const { body, title } = segmented.document;
      const { sentences } = segmented;
      const sentence = sentences[position]!;
      const first = sentences[Math.max(0, position - around)]!;
      const last = sentences[Math.min(sentences.length - 1, position + around)]!;
      const passage: Passage = {
        n: i + 1,
        title,
        before: body.slice(first.start, sentence.start).trim(),
        quote: body.slice(sentence.start, sentence.end),
        after: body.slice(sentence.end, last.end).trim(),
      };
      if (sentence.section !== undefined) passage.section = sentence.section;
      return [passage];
    });
  }
}
