import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../src/core/corpus/loader.js';
import { CorpusError } from '../../../src/core/errors.js';
import { ARTICLE_DATE_MARKER, ARTICLE_PATH, ARTICLE_SOURCE, CORPUS_DIR, makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterEach(removeTempDirs);

/** Writes `files` (relative path → content) into a fresh corpus directory. */
async function corpusWith(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await makeTempDir('verbatim-loader-');
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

const ARTICLE = 'Copper prices rose sharply on Tuesday. Analysts expect the rally to continue.\n';

describe('loadCorpus on the shipped article', () => {
  it('strips the date marker from the body and records it as the date', async () => {
    const { documents, skipped } = await loadCorpus(CORPUS_DIR);
    expect(skipped).toEqual([]);
    expect(documents).toHaveLength(1);
    const [document] = documents;
    const text = await readFile(ARTICLE_PATH, 'utf8');
    expect(text.startsWith(ARTICLE_DATE_MARKER)).toBe(true);
    expect(document!.source).toBe(ARTICLE_SOURCE);
    expect(document!.date).toBe('2025-10-31');
    expect(document!.body).toBe(text.slice(ARTICLE_DATE_MARKER.length));
    expect(document!.body).not.toContain('date 2025-10-31');
    expect(document!.body.startsWith('The planned Budapest summit')).toBe(true);
    expect(document!.hash).toBe(createHash('sha256').update(await readFile(ARTICLE_PATH)).digest('hex'));
  });

  it('titles it with its shortened first sentence, since it does not open with a heading', async () => {
    const [document] = (await loadCorpus(CORPUS_DIR)).documents;
    expect(document!.title).toBe('The planned Budapest summit between US President Donald Trump and Russian President…');
    expect(document!.title.length).toBeLessThanOrEqual(91);
  });

  it('detects its section headings, with offsets into the body', async () => {
    const [document] = (await loadCorpus(CORPUS_DIR)).documents;
    expect(document!.headings.map((heading) => heading.title)).toEqual([
      'Russia’s Hardline Demands Derail Negotiations',
      'Trump Calls Meeting “Pointless” Amid Stalemate',
      'Trump Struggles to Influence Outcome',
      'Ukraine says Russia Avoids Diplomacy When Losing Ground',
    ]);
    for (const heading of document!.headings) expect(document!.body.slice(heading.start, heading.end)).toBe(heading.title);
    // Short lines ending with punctuation are prose, not headings.
    expect(document!.headings.map((heading) => heading.title)).not.toContain('These demands include:');
    expect(document!.headings.map((heading) => heading.title)).not.toContain('(With Reuters Inputs)');
  });
});

describe('loadCorpus on Markdown with front matter', () => {
  it('reads title, quoted date, url, source as publisher and author, and removes the front matter from the body', async () => {
    const dir = await corpusWith({
      'story.md': [
        '---',
        'title: "Copper Rally Continues"',
        'date: "2024-05-01"',
        'url: https://example.org/copper',
        'source: Reuters',
        'author: Jane Roe',
        '---',
        ARTICLE,
      ].join('\n'),
    });
    const { documents, skipped } = await loadCorpus(dir);
    expect(skipped).toEqual([]);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      source: 'story.md',
      title: 'Copper Rally Continues',
      date: '2024-05-01',
      url: 'https://example.org/copper',
      publisher: 'Reuters',
      author: 'Jane Roe',
      body: ARTICLE,
    });
  });

  it('reads a bare YAML date and a date with a time', async () => {
    const dir = await corpusWith({
      'a.md': `---\ntitle: A\ndate: 2024-05-01\n---\n${ARTICLE}`,
      'b.md': `---\ntitle: B\ndate: 2024-06-02T10:30:00Z\n---\n${ARTICLE}`,
    });
    const { documents } = await loadCorpus(dir);
    expect(documents.map((document) => [document.source, document.date])).toEqual([
      ['a.md', '2024-05-01'],
      ['b.md', '2024-06-02'],
    ]);
  });

  it('ignores a url that is not http(s) and an unparseable date', async () => {
    const dir = await corpusWith({ 'a.md': `---\ntitle: A\ndate: last Tuesday\nurl: javascript:alert(1)\n---\n${ARTICLE}` });
    const [document] = (await loadCorpus(dir)).documents;
    expect(document!.title).toBe('A');
    expect(document!.date).toBeUndefined();
    expect(document!.url).toBeUndefined();
  });

  it('reads Windows line endings in the front matter', async () => {
    const dir = await corpusWith({ 'a.md': `---\r\ntitle: "Windows"\r\ndate: 2024-05-01\r\n---\r\n${ARTICLE}` });
    const [document] = (await loadCorpus(dir)).documents;
    expect(document).toMatchObject({ title: 'Windows', date: '2024-05-01', body: ARTICLE });
  });

  it('makes an opening `# H1` the title, and `##` lines section headings', async () => {
    const body = `# Copper Hits a Record\n\n${ARTICLE}\n## What Analysts Say\n\nThey expect more gains.\n`;
    const dir = await corpusWith({ 'a.md': body });
    const [document] = (await loadCorpus(dir)).documents;
    expect(document!.title).toBe('Copper Hits a Record');
    expect(document!.body).toBe(body);
    expect(document!.headings.map((heading) => heading.title)).toEqual(['Copper Hits a Record', 'What Analysts Say']);
    for (const heading of document!.headings) expect(document!.body.slice(heading.start, heading.end)).toBe(heading.title);
  });

  it('lets the front matter title win over the H1', async () => {
    const dir = await corpusWith({ 'a.md': `---\ntitle: From Front Matter\n---\n# From The Heading\n\n${ARTICLE}` });
    const [document] = (await loadCorpus(dir)).documents;
    expect(document!.title).toBe('From Front Matter');
  });

  it('strips a byte order mark before the date marker', async () => {
    const dir = await corpusWith({ 'a.txt': `\uFEFF date 2024-01-02 ${ARTICLE}` });
    const [document] = (await loadCorpus(dir)).documents;
    expect(document!.date).toBe('2024-01-02');
    expect(document!.body).toBe(ARTICLE);
  });
});

describe('loadCorpus file selection', () => {
  it('recurses into subdirectories, with `/`-separated relative sources in path order', async () => {
    const dir = await corpusWith({
      'b.txt': ARTICLE,
      'a/deeper/c.md': ARTICLE,
      'a/b.txt': ARTICLE,
      'UPPER.TXT': ARTICLE,
    });
    const { documents, skipped } = await loadCorpus(dir);
    expect(skipped).toEqual([]);
    expect(documents.map((document) => document.source)).toEqual(['UPPER.TXT', 'a/b.txt', 'a/deeper/c.md', 'b.txt']);
  });

  it('ignores hidden files and directories, and other extensions', async () => {
    const dir = await corpusWith({
      'kept.txt': ARTICLE,
      '.hidden.txt': ARTICLE,
      '.git/HEAD.txt': ARTICLE,
      'notes/.draft.md': ARTICLE,
      'data.json': '{"text": "not an article"}',
      'page.html': `<p>${ARTICLE}</p>`,
      'README': ARTICLE,
      'long.markdown': ARTICLE,
      'photo.txt.png': ARTICLE,
    });
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((document) => document.source)).toEqual(['kept.txt']);
    expect(skipped).toEqual([]);
  });

  it('recurses into a directory named x.txt instead of reading it as a file', async () => {
    const dir = await corpusWith({ 'x.txt/inner.txt': ARTICLE, 'ok.txt': ARTICLE });
    await mkdir(path.join(dir, 'empty.txt'));
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((document) => document.source)).toEqual(['ok.txt', 'x.txt/inner.txt']);
    expect(skipped).toEqual([]);
  });

  it('skips a symbolic link named x.txt that points to a directory, with a reason', async () => {
    const dir = await corpusWith({ 'ok.txt': ARTICLE, 'folder/inside.txt': ARTICLE });
    await symlink(path.join(dir, 'folder'), path.join(dir, 'link.txt'));
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((document) => document.source)).toEqual(['folder/inside.txt', 'ok.txt']);
    expect(skipped).toEqual([{ source: 'link.txt', reason: 'not a regular file' }]);
  });

  it('skips a dangling symbolic link, with a reason', async () => {
    const dir = await corpusWith({ 'ok.txt': ARTICLE });
    await symlink(path.join(dir, 'nowhere.txt'), path.join(dir, 'dangling.txt'));
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((document) => document.source)).toEqual(['ok.txt']);
    expect(skipped).toEqual([{ source: 'dangling.txt', reason: 'a broken link' }]);
  });
});

describe('loadCorpus reads nothing from outside the corpus folder', () => {
  const SECRET = 'DISCORD_TOKEN=MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.secret-from-dotenv\n';

  it('skips links to files outside it (a .env beside it, /etc/passwd), with a reason, and reads links within it', async () => {
    const work = await makeTempDir('verbatim-loader-links-');
    const corpus = path.join(work, 'corpus');
    await mkdir(path.join(corpus, 'sub'), { recursive: true });
    await writeFile(path.join(work, '.env'), SECRET);
    await writeFile(path.join(work, 'outside.md'), ARTICLE);
    await writeFile(path.join(corpus, 'real.txt'), ARTICLE);
    await symlink(path.join(work, '.env'), path.join(corpus, 'env.txt'));
    await symlink('../../outside.md', path.join(corpus, 'sub', 'relative.md'));
    await symlink('/etc/passwd', path.join(corpus, 'passwd.txt'));
    await symlink('real.txt', path.join(corpus, 'alias.txt'));
    await symlink('../real.txt', path.join(corpus, 'sub', 'up-but-inside.txt'));
    const { documents, skipped } = await loadCorpus(corpus);
    expect(documents.map((document) => document.source)).toEqual(['alias.txt', 'real.txt', 'sub/up-but-inside.txt']);
    expect(skipped).toEqual([
      { source: 'env.txt', reason: 'a link to a file outside the corpus folder' },
      { source: 'passwd.txt', reason: 'a link to a file outside the corpus folder' },
      { source: 'sub/relative.md', reason: 'a link to a file outside the corpus folder' },
    ]);
    expect(JSON.stringify(documents)).not.toContain('secret-from-dotenv');
  });

  it('skips links to hidden files inside it, and does not follow links to folders', async () => {
    const work = await makeTempDir('verbatim-loader-links-');
    const corpus = path.join(work, 'corpus');
    await mkdir(path.join(corpus, '.private'), { recursive: true });
    await mkdir(path.join(work, 'elsewhere'));
    await writeFile(path.join(corpus, 'kept.txt'), ARTICLE);
    await writeFile(path.join(corpus, '.env.md'), SECRET);
    await writeFile(path.join(corpus, '.private', 'draft.md'), ARTICLE);
    await writeFile(path.join(work, 'elsewhere', 'leak.md'), SECRET);
    await symlink('.env.md', path.join(corpus, 'env.md'));
    await symlink('.private/draft.md', path.join(corpus, 'draft.md'));
    await symlink(path.join(work, 'elsewhere'), path.join(corpus, 'more'));
    const { documents, skipped } = await loadCorpus(corpus);
    expect(documents.map((document) => document.source)).toEqual(['kept.txt']);
    expect(skipped).toEqual([
      { source: 'draft.md', reason: 'a link to a hidden file' },
      { source: 'env.md', reason: 'a link to a hidden file' },
    ]);
  });

  it('compares real paths: a corpus reached through a link, or inside a dot-folder, still loads', async () => {
    const work = await makeTempDir('verbatim-loader-links-');
    const corpus = path.join(work, '.config', 'corpus');
    await mkdir(corpus, { recursive: true });
    await writeFile(path.join(corpus, 'kept.txt'), ARTICLE);
    await symlink('kept.txt', path.join(corpus, 'alias.txt'));
    await symlink(corpus, path.join(work, 'linked-corpus'));
    for (const dir of [corpus, path.join(work, 'linked-corpus')]) {
      const { documents, skipped } = await loadCorpus(dir);
      expect(documents.map((document) => document.source), dir).toEqual(['alias.txt', 'kept.txt']);
      expect(skipped).toEqual([]);
    }
  });
});

describe('loadCorpus skips bad files with a reason, never throwing', () => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['latin1.txt', Buffer.from('Caf\xe9 prices rose. The caf\xe9 owner said so.\n', 'latin1'), /not UTF-8/],
    ['binary.txt', Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x01, 0x02, 0x57, 0x6f]), /binary/],
    ['empty.txt', '', /empty/],
    ['blank.md', '  \n\t\n   \n', /no article text/],
    ['front-matter-only.md', '---\ntitle: Nothing Below\n---\n', /no article text/],
    ['bad-yaml.md', `---\ntitle: [unclosed\ndate: 2024-01-01\n---\n${ARTICLE}`, /front matter is not valid YAML/],
    ['list-yaml.md', `---\n- a\n- b\n---\n${ARTICLE}`, /front matter is not a YAML mapping/],
  ];

  for (const [name, content, reason] of cases) {
    it(name, async () => {
      const dir = await corpusWith({ 'good.txt': ARTICLE, [name]: content });
      const { documents, skipped } = await loadCorpus(dir);
      expect(documents.map((document) => document.source)).toEqual(['good.txt']);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.source).toBe(name);
      expect(skipped[0]!.reason).toMatch(reason);
    });
  }

  it('a file over the size cap (maxFileBytes)', async () => {
    const dir = await corpusWith({ 'small.txt': ARTICLE, 'big.txt': ARTICLE.repeat(20) });
    const { documents, skipped } = await loadCorpus(dir, { maxFileBytes: ARTICLE.length * 2 });
    expect(documents.map((document) => document.source)).toEqual(['small.txt']);
    expect(skipped).toEqual([{ source: 'big.txt', reason: expect.stringMatching(/cap/) }]);
  });

  it('a file at exactly the size cap is read', async () => {
    const dir = await corpusWith({ 'exact.txt': ARTICLE });
    const { documents, skipped } = await loadCorpus(dir, { maxFileBytes: Buffer.byteLength(ARTICLE) });
    expect(documents).toHaveLength(1);
    expect(skipped).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file (chmod 000)', async () => {
    const dir = await corpusWith({ 'good.txt': ARTICLE, 'secret.txt': ARTICLE });
    await chmod(path.join(dir, 'secret.txt'), 0o000);
    try {
      const { documents, skipped } = await loadCorpus(dir);
      expect(documents.map((document) => document.source)).toEqual(['good.txt']);
      expect(skipped).toEqual([{ source: 'secret.txt', reason: 'permission denied' }]);
    } finally {
      await chmod(path.join(dir, 'secret.txt'), 0o644);
    }
  });

  it('every kind of bad file at once still loads the good ones', async () => {
    const files: Record<string, string | Uint8Array> = { 'good.txt': ARTICLE };
    for (const [name, content] of cases) files[`bad/${name}`] = content;
    const dir = await corpusWith(files);
    const { documents, skipped } = await loadCorpus(dir);
    expect(documents.map((document) => document.source)).toEqual(['good.txt']);
    expect(skipped.map((file) => file.source).sort()).toEqual(cases.map(([name]) => `bad/${name}`).sort());
    for (const file of skipped) expect(file.reason.length).toBeGreaterThan(0);
  });
});

describe('loadCorpus on a missing corpus', () => {
  it('throws CorpusError for a directory that does not exist', async () => {
    const dir = await makeTempDir('verbatim-loader-');
    const missing = path.join(dir, 'no-such-corpus');
    const error = await loadCorpus(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as Error).message).toContain(missing);
  });

  it('throws CorpusError when the corpus path is a file', async () => {
    const dir = await corpusWith({ 'file.txt': ARTICLE });
    await expect(loadCorpus(path.join(dir, 'file.txt'))).rejects.toBeInstanceOf(CorpusError);
  });

  it('returns no documents for an empty directory (the build decides that is an error)', async () => {
    const dir = await makeTempDir('verbatim-loader-');
    expect(await loadCorpus(dir)).toEqual({ documents: [], skipped: [] });
  });
});
