import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CorpusError } from '../errors.js';
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

async function listArticleFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listArticleFiles(root, full)));
    else if ((entry.isFile() || entry.isSymbolicLink()) && ARTICLE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      files.push(full);
    }
  }
  return files;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readArticle(file: string, source: string, maxFileBytes: number): Promise<CorpusDocument> {
  const info = await stat(file);
  if (!info.isFile()) throw new ArticleFormatError('not a regular file');
  if (info.size > maxFileBytes) {
    throw new ArticleFormatError(`${(info.size / 1024 / 1024).toFixed(1)} MB is over the ${(maxFileBytes / 1024 / 1024).toFixed(1)} MB cap`);
  }
  const bytes = await readFile(file);
  if (bytes.length === 0) throw new ArticleFormatError('empty file');
  if (bytes.includes(0)) throw new ArticleFormatError('binary file (contains NUL bytes)');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ArticleFormatError('not UTF-8 text');
  }
  return parseArticle(source, bytes, text);
}

function reasonOf(error: unknown): string {
  if (error instanceof ArticleFormatError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'vanished while reading';
  if (code === 'EISDIR') return 'is a directory';
  return `unreadable (${code ?? (error as Error).message})`;
}

/**
 * Reads every `.txt` and `.md` article under `dir`, recursively, in path order.
 * A bad file never stops the load: it is listed in `skipped` with the reason.
 *
 * @throws {@link CorpusError} when `dir` itself cannot be read
 */
export async function loadCorpus(dir: string, options: LoadCorpusOptions = {}): Promise<LoadedCorpus> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let files: string[];
  try {
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
      documents.push(await readArticle(file, source, maxFileBytes));
    } catch (error) {
      skipped.push({ source, reason: reasonOf(error) });
    }
  }
  return { documents, skipped };
}
