import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ArticleChangeError, CorpusError, diskFullOr } from '../errors.js';
import { ArticleFormatError, parseArticle } from './article.js';
import { DEFAULT_MAX_FILE_BYTES, decodeArticleBytes, isArticleFileName, isHidden } from './loader.js';

/** Longest file name an added article gets (Discord shows at most 100 characters of a choice). */
const MAX_NAME_LENGTH = 100;

/** The name of the folder, beside the corpus folder, that removed articles are moved to. */
export const REMOVED_FOLDER = 'removed';

/** What a moderator may set in an added article's front matter; `source` is the publisher. */
export interface ArticleFields {
  title?: string;
  date?: string;
  url?: string;
  source?: string;
}

/** An article written into the corpus folder. */
export interface SavedArticle {
  /** Its path relative to the corpus folder (its file name). */
  source: string;
  /** The title it will be indexed under. */
  title: string;
  /** Whether it replaced a file of the same name. */
  replaced: boolean;
}

/** An article moved out of the corpus folder. */
export interface RemovedArticle {
  source: string;
  /** Where it is now, relative to the corpus folder's parent (`removed/…`). */
  movedTo: string;
}

const FRONT_MATTER = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;
const requireModule = createRequire(import.meta.url);

/** A file name as the moderator reads it: in backticks (literal in Discord), a backtick in it made a look-alike. */
export function quotedName(name: string): string {
  return `\`${name.replace(/`/g, 'ˋ')}\``;
}

function refuse(name: string, reason: string): ArticleChangeError {
  return new ArticleChangeError(`${quotedName(name)} was not added: ${reason}.`);
}

/**
 * The file name an attachment is saved under: its own name, with anything but letters, digits,
 * `.`, `-` and `_` made a `-`. A name that reaches outside the corpus folder (`../x.md`, `a/b.md`,
 * `a\b.md`), a hidden name (`.env.md`) or another extension than `.txt`/`.md` is refused, not
 * repaired: the moderator should see what was wrong with it.
 *
 * @throws {@link ArticleChangeError} saying why
 */
export function articleFileName(name: string): string {
  const shown = name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name;
  if (/[/\\]/.test(name)) throw refuse(shown, 'a file name must not contain `/` or `\\` (no folders)');
  if (isHidden(name)) throw refuse(shown, 'a file name must not start with `.` (hidden files are never indexed)');
  if (!isArticleFileName(name)) throw refuse(shown, 'only `.txt` and `.md` files are articles');
  const extension = path.extname(name).toLowerCase();
  const stem = name
    .slice(0, -extension.length)
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^[-.]+|-+$/g, '');
  if (stem === '') throw refuse(shown, 'the file name has no letters or digits');
  return `${stem.slice(0, MAX_NAME_LENGTH - extension.length)}${extension}`;
}

function checkFields(name: string, fields: ArticleFields): ArticleFields {
  const clean: ArticleFields = {};
  for (const key of ['title', 'date', 'url', 'source'] as const) {
    const value = fields[key]?.trim();
    if (value) clean[key] = value.replace(/[\r\n]+/g, ' ');
  }
  if (clean.date !== undefined) {
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(clean.date) && !Number.isNaN(Date.parse(`${clean.date}T00:00:00Z`)) && new Date(`${clean.date}T00:00:00Z`).toISOString().startsWith(clean.date);
    if (!valid) throw refuse(name, `the date must be a day written YYYY-MM-DD (got "${clean.date}")`);
  }
  if (clean.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(clean.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw refuse(name, 'the url must be an http:// or https:// address');
  }
  return clean;
}

/**
 * `text` with `fields` in its YAML front matter: merged into the front matter it has (a given
 * field replaces the file's own, the others and comments stay), or a new front matter before
 * it. A leading byte-order mark is dropped; with no field given the text is left as it is.
 *
 * @throws {@link ArticleFormatError} when the file's own front matter is not a YAML mapping
 */
export function withFrontMatter(text: string, fields: ArticleFields): string {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const entries = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (entries.length === 0) return text;
  const yaml = requireModule('yaml') as typeof import('yaml');
  const existing = FRONT_MATTER.exec(body);
  const document = yaml.parseDocument(existing?.[1] ?? '');
  if (document.errors.length > 0) throw new ArticleFormatError(`front matter is not valid YAML (${document.errors[0]!.message.split('\n')[0]})`);
  if (document.contents !== null && !yaml.isMap(document.contents)) throw new ArticleFormatError('front matter is not a YAML mapping');
  document.contents ??= document.createNode({}) as never;
  for (const [key, value] of entries) document.set(key, value);
  const rest = existing ? body.slice(existing[0].length) : body;
  return `---\n${document.toString({ lineWidth: 0 })}---\n${rest}`;
}

/**
 * The bytes an added article is saved as, checked as a reindex checks every file (size cap,
 * UTF-8, binary, front matter, article text), with `fields` in its front matter; and its title.
 *
 * @throws {@link ArticleChangeError} saying what is wrong with it
 */
export function prepareArticle(name: string, bytes: Uint8Array, fields: ArticleFields, maxFileBytes = DEFAULT_MAX_FILE_BYTES): { bytes: Buffer; title: string } {
  try {
    const checked = checkFields(name, fields);
    const text = withFrontMatter(decodeArticleBytes(bytes, maxFileBytes), checked);
    const saved = Buffer.from(text, 'utf8');
    // Front matter added: the file as saved must still be within the cap a reindex applies.
    decodeArticleBytes(saved, maxFileBytes);
    return { bytes: saved, title: parseArticle(name, saved, text).title };
  } catch (error) {
    if (error instanceof ArticleFormatError) throw refuse(name, error.message);
    throw error;
  }
}

/** Node's codes for a write refused by permissions or a read-only mount. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * `error` as an {@link ArticleChangeError} telling the moderator the bot may not write `what`
 * (no folder named: a moderator is not an admin), when that is what it is; else as a full disk or as it is.
 */
function writeFailure(error: unknown, what: string, directory: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NOT_WRITABLE.has(code)) return new ArticleChangeError(`The bot may not write ${what} (${code}): an admin must give it write access (a container mounts the corpus read-only by default), then try again.`, { cause: error });
  return diskFullOr(error, directory);
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    },
  );
}

/**
 * Refuses, before anything is downloaded, a name that is taken when `replace` is false, or that
 * is a folder (never replaced).
 *
 * @throws {@link ArticleChangeError}
 */
export async function checkArticleTarget(corpusDir: string, name: string, replace: boolean): Promise<void> {
  const target = path.join(corpusDir, name);
  const info = await lstat(target).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isFile() && !info.isSymbolicLink()) throw refuse(name, 'a folder of that name is in the corpus');
  if (!replace) throw refuse(name, 'an article with that file name exists; set `replace` to True to replace it');
}

/**
 * Writes an article into the corpus folder atomically: to a hidden temporary file beside it
 * (which a reindex never reads), flushed, then moved into place. Without `replace`, the move
 * fails when the name is taken, even by a file that appeared meanwhile (a hard link is made,
 * never over an existing name); with it, an existing file is replaced in one step.
 *
 * @throws {@link ArticleChangeError} for a taken name; {@link DiskFullError} for a full disk
 */
export async function writeArticle(corpusDir: string, name: string, bytes: Uint8Array, replace: boolean): Promise<{ replaced: boolean }> {
  await checkArticleTarget(corpusDir, name, replace);
  const target = path.join(corpusDir, name);
  const temp = path.join(corpusDir, `.${name}.upload-${process.pid}-${Date.now()}`);
  const replaced = await exists(target);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (replace) await rename(temp, target);
    else {
      try {
        await link(temp, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw refuse(name, 'an article with that file name exists; set `replace` to True to replace it');
        // A file system without hard links: the check just made is the best there is.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
        if (await exists(target)) throw refuse(name, 'an article with that file name exists; set `replace` to True to replace it');
        await rename(temp, target);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(corpusDir))) throw new CorpusError(`Cannot add ${name}: the corpus directory ${corpusDir} does not exist.`, { cause: error });
    throw writeFailure(error, 'into the corpus folder', corpusDir);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { replaced };
}

/**
 * The corpus file `source` names, if it is one a reindex reads: a relative `/`-separated path
 * to a `.txt` or `.md` file inside the folder, no part of it hidden or `..`.
 *
 * @throws {@link ArticleChangeError} otherwise, or when no such file exists
 */
async function corpusFile(corpusDir: string, source: string): Promise<string> {
  const parts = source.split('/');
  const unknown = new ArticleChangeError(`There is no article ${quotedName(source)} in the corpus. Pick one from the list.`);
  if (source === '' || path.isAbsolute(source) || source.includes('\\') || parts.some((part) => part === '' || part === '..' || part === '.' || isHidden(part)) || !isArticleFileName(source)) throw unknown;
  const file = path.join(corpusDir, ...parts);
  const info = await lstat(file).catch(() => undefined);
  if (!info || (!info.isFile() && !info.isSymbolicLink())) throw unknown;
  return file;
}

/** `2026-11-26T04-50-07Z`: a time for a file name. */
function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Moves an article out of the corpus folder into `removed/` beside it (keeping its subfolders),
 * never deleting it: moving it back and reindexing restores it. A file already there of that
 * name is kept, and the moved one gets the time as a suffix (`name-2026-11-26T04-50-07Z.md`).
 *
 * @throws {@link ArticleChangeError} when `source` is not an article of the corpus
 */
export async function moveArticleOut(corpusDir: string, source: string, now = new Date()): Promise<RemovedArticle> {
  const file = await corpusFile(corpusDir, source);
  const parent = path.dirname(path.resolve(corpusDir));
  const relative = source.split('/');
  const folder = path.join(parent, REMOVED_FOLDER, ...relative.slice(0, -1));
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, `the ${REMOVED_FOLDER}/ folder beside the corpus folder`, folder);
  });
  const name = relative.at(-1)!;
  const extension = path.extname(name);
  let destination = path.join(folder, name);
  if (await exists(destination)) destination = path.join(folder, `${name.slice(0, -extension.length)}-${stamp(now)}${extension}`);
  if (await exists(destination)) destination = path.join(folder, `${name.slice(0, -extension.length)}-${stamp(now)}-${process.pid}-${Date.now()}${extension}`);
  try {
    await rename(file, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw writeFailure(error, `the article out of the corpus folder into ${REMOVED_FOLDER}/`, folder);
    // Another file system: copy (never over a file), then delete the original.
    await copyFile(file, destination, constants.COPYFILE_EXCL).catch((copyError: unknown) => {
      throw writeFailure(copyError, `into the ${REMOVED_FOLDER}/ folder beside the corpus folder`, folder);
    });
    await unlink(file).catch(async (unlinkError: unknown) => {
      // Both copies would be indexed or kept: leave only the original.
      await unlink(destination).catch(() => undefined);
      throw writeFailure(unlinkError, 'in the corpus folder', corpusDir);
    });
  }
  return { source, movedTo: path.relative(parent, destination).split(path.sep).join('/') };
}
