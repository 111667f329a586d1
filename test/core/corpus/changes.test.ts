import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/core/corpus/article.js';
import { articleFileName, moveArticleOut, prepareArticle, withFrontMatter, writeArticle } from '../../../src/core/corpus/changes.js';
import { decodeArticleBytes, loadCorpus } from '../../../src/core/corpus/loader.js';
import { ArticleChangeError } from '../../../src/core/errors.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterEach(removeTempDirs);

const TEXT = 'Copper prices rose sharply on Tuesday. Analysts expect the rally to continue.\n';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ArticleChangeError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

async function corpus(): Promise<string> {
  const parent = await makeTempDir('verbatim-changes-');
  const dir = path.join(parent, 'corpus');
  await mkdir(dir);
  return dir;
}

describe('articleFileName', () => {
  it('keeps a plain name and makes odd characters dashes', () => {
    expect(articleFileName('copper-report.md')).toBe('copper-report.md');
    expect(articleFileName('Copper Report (final).TXT')).toBe('Copper-Report-final.txt');
    expect(articleFileName('Élysée…2025.md')).toBe('Élysée-2025.md');
    expect(articleFileName(`${'a'.repeat(150)}.md`)).toHaveLength(100);
  });

  it('refuses folders, traversal, hidden names and other extensions', () => {
    expect(refusal(() => articleFileName('../escape.md'))).toMatch(/must not contain `\/`/);
    expect(refusal(() => articleFileName('..\\escape.md'))).toMatch(/must not contain/);
    expect(refusal(() => articleFileName('sub/a.md'))).toMatch(/must not contain/);
    expect(refusal(() => articleFileName('.env.md'))).toMatch(/must not start with `\.`/);
    expect(refusal(() => articleFileName('..md'))).toMatch(/must not start with `\.`/);
    expect(refusal(() => articleFileName('report.pdf'))).toMatch(/only `\.txt` and `\.md`/);
    expect(refusal(() => articleFileName('report.md.exe'))).toMatch(/only `\.txt` and `\.md`/);
    expect(refusal(() => articleFileName('***.md'))).toMatch(/no letters or digits/);
  });
});

describe('withFrontMatter', () => {
  it('adds front matter to a file without one, and leaves the text alone with no field', () => {
    expect(withFrontMatter(TEXT, {})).toBe(TEXT);
    const text = withFrontMatter(`\uFEFF${TEXT}`, { title: 'Copper: up "again"', date: '2025-10-31', source: 'FT' });
    const doc = parseArticle('a.txt', Buffer.from(text), text);
    expect(doc).toMatchObject({ title: 'Copper: up "again"', date: '2025-10-31', publisher: 'FT', body: TEXT });
  });

  it('merges into the front matter the file has: given fields win, the others and comments stay', () => {
    const original = '---\ntitle: Old title\nauthor: Jane Doe # the reporter\ndate: 2020-01-01\n---\n# Heading\n' + TEXT;
    const text = withFrontMatter(original, { title: 'New title', url: 'https://example.com/a' });
    expect(text).toContain('# the reporter');
    const doc = parseArticle('a.md', Buffer.from(text), text);
    expect(doc).toMatchObject({ title: 'New title', author: 'Jane Doe', date: '2020-01-01', url: 'https://example.com/a', body: '# Heading\n' + TEXT });
    // An empty front matter gets the fields.
    const empty = withFrontMatter('---\n---\n' + TEXT, { date: '2024-02-29' });
    expect(parseArticle('b.md', Buffer.from(empty), empty)).toMatchObject({ date: '2024-02-29', body: TEXT });
  });
});

describe('prepareArticle', () => {
  it('checks the bytes as the loader does: binary, not UTF-8, empty, over the cap, no text', () => {
    expect(refusal(() => prepareArticle('a.txt', Buffer.from([0x41, 0x00, 0x42]), {}))).toBe('`a.txt` was not added: binary file (contains NUL bytes).');
    expect(refusal(() => prepareArticle('a.txt', Buffer.from([0xff, 0xfe, 0x41]), {}))).toBe('`a.txt` was not added: not UTF-8 text.');
    expect(refusal(() => prepareArticle('a.txt', Buffer.alloc(0), {}))).toBe('`a.txt` was not added: empty file.');
    expect(refusal(() => prepareArticle('a.txt', Buffer.from(TEXT), {}, 20))).toMatch(/^`a\.txt` was not added: 0\.0 MB is over the 0\.0 MB cap\.$/);
    expect(refusal(() => prepareArticle('a.md', Buffer.from('---\ntitle: [unclosed\n---\nText.'), {}))).toMatch(/front matter is not valid YAML/);
    expect(refusal(() => prepareArticle('a.md', Buffer.from('---\ntitle: x\n---\n   \n'), {}))).toBe('`a.md` was not added: no article text.');
    // The same reasons the loader gives.
    expect(() => decodeArticleBytes(Buffer.from([0x41, 0x00]))).toThrow('binary file (contains NUL bytes)');
  });

  it('refuses a date that is not a day and a url that is not http(s)', () => {
    expect(refusal(() => prepareArticle('a.txt', Buffer.from(TEXT), { date: '2025-02-30' }))).toMatch(/the date must be a day written YYYY-MM-DD/);
    expect(refusal(() => prepareArticle('a.txt', Buffer.from(TEXT), { date: 'yesterday' }))).toMatch(/YYYY-MM-DD/);
    expect(refusal(() => prepareArticle('a.txt', Buffer.from(TEXT), { url: 'javascript:alert(1)' }))).toMatch(/http:\/\/ or https:\/\//);
  });

  it('returns the bytes to save and the title the article will have', () => {
    const { bytes, title } = prepareArticle('a.txt', Buffer.from(TEXT), { source: 'Reuters' });
    expect(title).toBe('Copper prices rose sharply on Tuesday.');
    expect(bytes.toString('utf8')).toBe(`---\nsource: Reuters\n---\n${TEXT}`);
  });
});

describe('writeArticle', () => {
  it('writes atomically, refuses an existing name without replace, replaces with it, and leaves no temporary file', async () => {
    const dir = await corpus();
    expect(await writeArticle(dir, 'a.txt', Buffer.from(TEXT), false)).toEqual({ replaced: false });
    await expect(writeArticle(dir, 'a.txt', Buffer.from('Other text.\n'), false)).rejects.toThrow('`a.txt` was not added: an article with that file name exists; set `replace` to True to replace it.');
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe(TEXT);
    expect(await writeArticle(dir, 'a.txt', Buffer.from('Other text.\n'), true)).toEqual({ replaced: true });
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('Other text.\n');
    expect(await readdir(dir)).toEqual(['a.txt']);
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((doc) => doc.source)).toEqual(['a.txt']);
    expect(skipped).toEqual([]);
  });

  // Root writes anywhere: the refusal can only be seen as another user.
  it.skipIf(process.getuid?.() === 0)('tells the moderator when the bot may not write into the corpus folder', async () => {
    const dir = await corpus();
    await chmod(dir, 0o555);
    try {
      await expect(writeArticle(dir, 'a.txt', Buffer.from(TEXT), false)).rejects.toThrow(/^The bot may not write into the corpus folder \(EACCES\): an admin must give it write access/);
      await chmod(dir, 0o755);
      await writeFile(path.join(dir, 'a.txt'), TEXT);
      await chmod(path.dirname(dir), 0o555);
      await expect(moveArticleOut(dir, 'a.txt')).rejects.toThrow(/^The bot may not write the removed\/ folder beside the corpus folder \(EACCES\)/);
    } finally {
      await chmod(dir, 0o755);
      await chmod(path.dirname(dir), 0o755);
    }
  });

  it('never replaces a folder', async () => {
    const dir = await corpus();
    await mkdir(path.join(dir, 'x.md'));
    await expect(writeArticle(dir, 'x.md', Buffer.from(TEXT), true)).rejects.toThrow('`x.md` was not added: a folder of that name is in the corpus.');
  });
});

describe('moveArticleOut', () => {
  it('moves the file into removed/ beside the corpus, keeping subfolders, and a clash gets the time', async () => {
    const dir = await corpus();
    const parent = path.dirname(dir);
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'a.txt'), TEXT);
    await writeFile(path.join(dir, 'sub', 'b.md'), TEXT);
    expect(await moveArticleOut(dir, 'a.txt')).toEqual({ source: 'a.txt', movedTo: 'removed/a.txt' });
    expect(await moveArticleOut(dir, 'sub/b.md')).toEqual({ source: 'sub/b.md', movedTo: 'removed/sub/b.md' });
    expect(await readFile(path.join(parent, 'removed', 'a.txt'), 'utf8')).toBe(TEXT);

    await writeFile(path.join(dir, 'a.txt'), 'Second version.\n');
    const second = await moveArticleOut(dir, 'a.txt', new Date('2026-11-26T04:50:07.123Z'));
    expect(second.movedTo).toBe('removed/a-2026-11-26T04-50-07Z.txt');
    expect(await readFile(path.join(parent, 'removed', 'a.txt'), 'utf8')).toBe(TEXT);
    expect(await readFile(path.join(parent, second.movedTo), 'utf8')).toBe('Second version.\n');
    expect(await readdir(dir)).toEqual(['sub']);
  });

  it('refuses what is not an article of the corpus: traversal, hidden files, other files, missing ones', async () => {
    const dir = await corpus();
    const parent = path.dirname(dir);
    await writeFile(path.join(parent, 'outside.txt'), TEXT);
    await writeFile(path.join(dir, '.hidden.txt'), TEXT);
    await writeFile(path.join(dir, 'notes.pdf'), TEXT);
    await mkdir(path.join(dir, 'folder.md'));
    for (const source of ['../outside.txt', '.hidden.txt', 'notes.pdf', 'missing.txt', 'folder.md', '/etc/passwd', '', 'sub//a.txt']) {
      await expect(moveArticleOut(dir, source), source).rejects.toBeInstanceOf(ArticleChangeError);
    }
    expect(await readFile(path.join(parent, 'outside.txt'), 'utf8')).toBe(TEXT);
  });

  it('moves a link itself, never the file it leads to', async () => {
    const dir = await corpus();
    await writeFile(path.join(dir, 'real.txt'), TEXT);
    await symlink('real.txt', path.join(dir, 'link.txt'));
    expect((await moveArticleOut(dir, 'link.txt')).movedTo).toBe('removed/link.txt');
    expect(await readFile(path.join(dir, 'real.txt'), 'utf8')).toBe(TEXT);
  });
});
