import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GloveEmbeddings } from '../../src/core/index/embeddings/glove.js';
import { projectRoot } from '../../src/core/paths.js';
import { parseQuestions, type EvalQuestion } from '../../src/core/eval.js';
import { DescribedEmbeddings, type EmbeddingsInfo } from '../../src/core/index/embeddings/provider.js';

/**
 * The repository root: the nearest directory above this file holding package.json, so the
 * helpers also work from their compiled copy under dist-dev/ (`npm run build:dev`).
 */
export const ROOT = projectRoot();

/** This module as plain Node loads it in a build worker: its compiled copy (`npm run build:dev`). */
const COMPILED_HELPERS = import.meta.url.endsWith('.ts') ? pathToFileURL(path.join(ROOT, 'dist-dev/test/helpers/core.js')).href : import.meta.url;

/** The shipped corpus and its one article. */
export const CORPUS_DIR = path.join(ROOT, 'corpus');
export const ARTICLE_SOURCE = 'budapest-summit-cancelled.txt';

/** A second article, on another subject than the story's, for tests that add one to the corpus. */
export const COPPER = 'Copper prices surged on Tuesday after a strike at a Chilean mine. Analysts expect the copper rally to continue.\n';
/** A question only {@link COPPER} answers. */
export const COPPER_QUESTION = 'Why did copper prices surge?';
export const ARTICLE_PATH = path.join(CORPUS_DIR, ARTICLE_SOURCE);
/** The marker the article file opens with; the document body is the file without it. */
export const ARTICLE_DATE_MARKER = ' date 2025-10-31 ';
/** The shared cache of converted word vectors (filled on first use, ~6 s). */
export const CACHE_DIR = path.join(ROOT, 'data/cache');
export const DEV_QUESTIONS = path.join(ROOT, 'test/fixtures/dev-questions.jsonl');

/** Generous timeout for hooks that may have to convert the word vectors first. */
export const GLOVE_TIMEOUT = 120_000;

let glove: Promise<GloveEmbeddings> | undefined;

/** The real offline embeddings, loaded once per test file. */
export function loadGlove(): Promise<GloveEmbeddings> {
  return (glove ??= GloveEmbeddings.load(CACHE_DIR));
}

/** The article's text as the file holds it. */
export function readArticle(): Promise<string> {
  return readFile(ARTICLE_PATH, 'utf8');
}

const temporaryDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed by {@link removeTempDirs}. */
export async function makeTempDir(prefix = 'verbatim-core-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/** Removes every directory {@link makeTempDir} made in this test file. */
export async function removeTempDirs(): Promise<void> {
  const dirs = temporaryDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Every file under `dir` (relative path with `/`) → SHA-256 of its bytes. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        result[path.relative(dir, full).split(path.sep).join('/')] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
    }
  };
  await walk(dir);
  return result;
}

/** Lower-cased words of a text (letters and digits), the way the test vectors see them. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * A deterministic embedding for tests: a hashed bag of words, plus a constant component so
 * that no vector is all zeros. Texts sharing words point in similar directions.
 */
export function hashedVector(text: string, dimensions = 64): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of wordsOf(text)) {
    const hash = createHash('sha256').update(word).digest();
    vector[hash.readUInt32LE(0) % (dimensions - 1)]! += hash[4]! & 1 ? 1 : -1;
  }
  vector[dimensions - 1] = 0.25;
  return vector;
}

/** Test embeddings of our own (`provider: 'test'`): hashed bags of words, counting what they embed. */
export class HashEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo;
  /** Every text passed to {@link embedDocuments}, in order. */
  readonly embedded: string[] = [];

  constructor(
    readonly dimensions = 64,
    model = `hashed-bag-of-words-${dimensions}`,
  ) {
    super();
    this.info = { provider: 'test', model, dimensions };
    // A build worker makes its own copy (whose `embedded` list this one does not see).
    this.recipe = { module: COMPILED_HELPERS, exportName: 'createHashEmbeddings', args: [dimensions, model] };
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    this.embedded.push(...documents);
    return documents.map((text) => hashedVector(text, this.dimensions));
  }

  override async embedQuery(document: string): Promise<number[]> {
    return hashedVector(document, this.dimensions);
  }
}

/** {@link HashEmbeddings} made from plain arguments: the recipe a build worker follows. */
export function createHashEmbeddings(dimensions?: number, model?: string): HashEmbeddings {
  return new HashEmbeddings(dimensions, model);
}

/** Embeddings whose documents cannot be embedded: the endpoint is "down". */
export class FailingEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo = { provider: 'test', model: 'always-fails', dimensions: 8 };

  override async embedDocuments(): Promise<number[][]> {
    throw new Error('embeddings failed on purpose');
  }

  override async embedQuery(): Promise<number[]> {
    throw new Error('embeddings failed on purpose');
  }
}

/**
 * Wraps embeddings so that a test can hold the next `embedDocuments` call (a build in
 * progress) until it releases it. Same `info` as the wrapped embeddings.
 */
export class GatedEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo;
  private pending: { reached: () => void; released: Promise<void> } | undefined;

  constructor(private readonly inner: DescribedEmbeddings) {
    super();
    this.info = inner.info;
  }

  /** Holds the next `embedDocuments` call; `reached` resolves once a build is waiting on it. */
  hold(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.pending = { reached, released };
    return { reached: reachedPromise, release };
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      pending.reached();
      await pending.released;
    }
    return this.inner.embedDocuments(documents);
  }

  override async embedQuery(document: string): Promise<number[]> {
    return this.inner.embedQuery(document);
  }
}

/** A development question: an eval question, read by the eval's own reader. */
export type DevQuestion = EvalQuestion;

/** The development questions (JSON lines). */
export async function readDevQuestions(): Promise<DevQuestion[]> {
  return parseQuestions(await readFile(DEV_QUESTIONS, 'utf8'));
}
