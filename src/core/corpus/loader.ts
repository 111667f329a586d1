import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CorpusError } from '../errors.js';
import { isSameOrInside } from '../paths.js';
import { ArticleFormatError, parseArticle } from './article.js';
import type { CorpusDocument, SkippedFile } from './document.js';

/** Files larger than this are skipped: an article is kilobytes, a 10 MB "article" is a mistake. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

const ARTICLE_EXTENSIONS = new Set(['.txt', '.md']);

export interface LoadCorpusOptions {
  maxFileBytes?: number;
}

/** What {@link loadCorpus} found: the articles, and the files it passed over with the reason. */
export interface LoadedCorpus {
  documents: CorpusDocument[];
  skipped: SkippedFile[];
}

/** Dotfiles and dot-folders (`.env`, `.git`) are never articles, wherever they are. */
export function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/**
 * The `.txt` and `.md` files under `dir`, dot-entries left out. Links to folders are not
 * followed; links to files are listed, and checked by {@link resolveInsideCorpus}.
 */
async function listArticleFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listArticleFiles(root, full)));
    else if ((entry.isFile() || entry.isSymbolicLink()) && isArticleFileName(entry.name)) {
      files.push(full);
    }
  }
  return files;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `name` ends in an extension the corpus reads (`.txt`, `.md`, any case). */
export function isArticleFileName(name: string): boolean {
  return ARTICLE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * Refuses a file of `size` bytes over the cap, before it is read (or downloaded).
 *
 * @throws {@link ArticleFormatError} saying how large it is and what the cap is
 */
export function checkArticleSize(size: number, maxFileBytes = DEFAULT_MAX_FILE_BYTES): void {
  if (size > maxFileBytes) {
    throw new ArticleFormatError(`${(size / 1024 / 1024).toFixed(1)} MB is over the ${(maxFileBytes / 1024 / 1024).toFixed(1)} MB cap`);
  }
}

/**
 * The text of an article file's bytes, checked as every corpus file is: within the size cap,
 * not empty, not binary (no NUL byte), valid UTF-8. Shared by the corpus loader and by
 * `/article add`, so an article is accepted on upload exactly when a reindex would read it.
 *
 * @throws {@link ArticleFormatError} whose message is the reason
 */
export function decodeArticleBytes(bytes: Uint8Array, maxFileBytes = DEFAULT_MAX_FILE_BYTES): string {
  checkArticleSize(bytes.length, maxFileBytes);
  if (bytes.length === 0) throw new ArticleFormatError('empty file');
  if (bytes.includes(0)) throw new ArticleFormatError('binary file (contains NUL bytes)');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ArticleFormatError('not UTF-8 text');
  }
}

/**
 * Where a listed file really is, once every link is resolved, if it may be read: inside the
 * corpus folder's real path and not hidden there. Every member can have an article quoted, so
 * a link must never bring in a file from anywhere else (a `.env` with the bot's token,
 * `/etc/passwd`).
 */
async function resolveInsideCorpus(file: string, realRoot: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    const isLink = await lstat(file).then((info) => info.isSymbolicLink(), () => false);
    if (isLink && (error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArticleFormatError('a broken link');
    throw error;
  }
  if (!isSameOrInside(real, realRoot)) throw new ArticleFormatError('a link to a file outside the corpus folder');
  if (path.relative(realRoot, real).split(path.sep).some(isHidden)) throw new ArticleFormatError('a link to a hidden file');
  return real;
}

/**
 * Opened without following a link (the path was resolved just before, so a link swapped in
 * since is refused) and without blocking (a FIFO named `x.txt` is refused, not waited on).
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

async function readArticle(file: string, source: string, maxFileBytes: number): Promise<CorpusDocument> {
  const handle = await open(file, OPEN_FLAGS);
  let bytes: Buffer;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ArticleFormatError('not a regular file');
    checkArticleSize(info.size, maxFileBytes);
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  return parseArticle(source, bytes, decodeArticleBytes(bytes, maxFileBytes));
}

function reasonOf(error: unknown): string {
  if (error instanceof ArticleFormatError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'vanished while reading';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ELOOP') return 'a link that changed while reading';
  return `unreadable (${code ?? (error as Error).message})`;
}

/**
 * The sources (paths relative to `dir`, `/`-separated, sorted) of the article files under `dir`
 * that a reindex would look at, without reading them: for suggestions, not for indexing.
 */
export async function listCorpusSources(dir: string): Promise<string[]> {
  return (await listArticleFiles(dir)).map((file) => path.relative(dir, file).split(path.sep).join('/')).sort();
}

/**
 * Reads every `.txt` and `.md` article under `dir`, recursively, in path order. Dotfiles and
 * dot-folders are left out; a link is read only when its target is inside `dir` (compared by
 * real paths) and not hidden. A bad file never stops the load: it is listed in `skipped` with
 * the reason.
 *
 * @throws {@link CorpusError} when `dir` itself cannot be read
 */
export async function loadCorpus(dir: string, options: LoadCorpusOptions = {}): Promise<LoadedCorpus> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let files: string[];
  let realRoot: string;
  try {
    realRoot = await realpath(dir);
    files = await listArticleFiles(dir);
  } catch (error) {
    throw new CorpusError(`Cannot read the corpus directory ${dir}: ${reasonOf(error)}.`, { cause: error });
  }
  files.sort();
  const documents: CorpusDocument[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const source = path.relative(dir, file).split(path.sep).join('/');
    try {
      documents.push(await readArticle(await resolveInsideCorpus(file, realRoot), source, maxFileBytes));
    } catch (error) {
      skipped.push({ source, reason: reasonOf(error) });
    }
  }
  return { documents, skipped };
}
