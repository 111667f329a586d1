import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleChangeError, ForeignIndexFolderError } from '../../src/core/errors.js';
import type { GloveEmbeddings } from '../../src/core/index/embeddings/glove.js';
import { Verbatim } from '../../src/core/service.js';
import {
  ARTICLE_PATH,
  ARTICLE_SOURCE,
  COPPER,
  COPPER_QUESTION,
  GatedEmbeddings,
  GLOVE_TIMEOUT,
  loadGlove,
  makeTempDir,
  removeTempDirs,
} from '../helpers/core.js';

let glove: GloveEmbeddings;

beforeAll(async () => {
  glove = await loadGlove();
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

async function workspace(): Promise<{ parent: string; corpusDir: string; indexDir: string }> {
  const parent = await makeTempDir('verbatim-articles-');
  const corpusDir = path.join(parent, 'corpus');
  await mkdir(corpusDir);
  await copyFile(ARTICLE_PATH, path.join(corpusDir, ARTICLE_SOURCE));
  return { parent, corpusDir, indexDir: path.join(parent, 'index') };
}

describe('Verbatim.addArticle and removeArticle', () => {
  it('adds an article with front matter and indexes it; removes it into removed/ and reindexes', async () => {
    const { parent, ...ws } = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove });
    const added = await verbatim.addArticle({
      fileName: 'copper.txt',
      content: async () => Buffer.from(COPPER),
      fields: { title: 'Copper surges', source: 'Reuters', date: '2026-11-20' },
    });
    expect(added.ok).toBe(true);
    expect(added.change).toEqual({ source: 'copper.txt', title: 'Copper surges', replaced: false, sentences: 2 });
    expect(added.ok && added.report).toMatchObject({ added: ['copper.txt'], unchanged: [ARTICLE_SOURCE] });
    expect(verbatim.articles().find((article) => article.source === 'copper.txt')).toEqual({
      source: 'copper.txt',
      title: 'Copper surges',
      date: '2026-11-20',
      publisher: 'Reuters',
      sentences: 2,
    });
    expect((await verbatim.ask(COPPER_QUESTION)).citations[0]?.source).toBe('copper.txt');
    expect(await verbatim.corpusSources()).toEqual([ARTICLE_SOURCE, 'copper.txt']);

    await expect(verbatim.addArticle({ fileName: 'copper.txt', content: () => Promise.reject(new Error('must not download')) })).rejects.toThrow(
      /an article with that file name exists/,
    );

    const removed = await verbatim.removeArticle('copper.txt');
    expect(removed.change).toEqual({ source: 'copper.txt', movedTo: 'removed/copper.txt', title: 'Copper surges' });
    expect(removed.ok && removed.report).toMatchObject({ removed: ['copper.txt'] });
    expect(await readFile(path.join(parent, 'removed', 'copper.txt'), 'utf8')).toContain(COPPER);
    expect(verbatim.articles().map((article) => article.source)).toEqual([ARTICLE_SOURCE]);
    expect((await verbatim.ask(COPPER_QUESTION)).citations.map((citation) => citation.source)).not.toContain('copper.txt');
    await expect(verbatim.removeArticle('copper.txt')).rejects.toBeInstanceOf(ArticleChangeError);
  });

  /** A service whose reindex (of a new file, other.txt) is held at the embeddings until `gate.release()`. */
  async function reindexHeldAtTheGate() {
    const ws = await workspace();
    const embeddings = new GatedEmbeddings(glove);
    const verbatim = await Verbatim.open({ ...ws, embeddings });
    await writeFile(path.join(ws.corpusDir, 'other.txt'), 'An unrelated note about shipping costs in the Baltic.\n');
    const gate = embeddings.hold();
    const reindexing = verbatim.reindex();
    await gate.reached;
    return { ws, verbatim, gate, reindexing };
  }

  it('waits for a running reindex before changing anything, and runs one change at a time', async () => {
    const { ws, verbatim, gate, reindexing } = await reindexHeldAtTheGate();
    const waited: string[] = [];
    const first = verbatim.addArticle({ fileName: 'copper.txt', content: Buffer.from(COPPER), onWaiting: (what) => waited.push(`first ${what}`) });
    const second = verbatim.addArticle({
      fileName: 'tin.md',
      content: Buffer.from('Tin prices fell on Wednesday.\n'),
      onWaiting: (what) => waited.push(`second ${what}`),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Queued behind the reindex: nothing written yet.
    expect((await readdir(ws.corpusDir)).sort()).toEqual([ARTICLE_SOURCE, 'other.txt']);
    gate.release();
    await reindexing;
    const [one, two] = await Promise.all([first, second]);
    // Each knows at once what it waits for: the second, the first change; the first, the reindex.
    expect(waited).toEqual(['second change', 'first reindex']);
    expect(one.ok && one.report.added).toEqual(['copper.txt']);
    expect(two.ok && two.report.added).toEqual(['tin.md']);
    expect(verbatim.articles().map((article) => article.source)).toEqual([ARTICLE_SOURCE, 'copper.txt', 'other.txt', 'tin.md']);
  });

  it('runs changes in the order they were asked for; one refused before its turn lets the next run after the one before it', async () => {
    const { verbatim, gate, reindexing } = await reindexHeldAtTheGate();
    const finished: string[] = [];
    const tracked = <T>(name: string, change: Promise<T>) => change.then((result) => (finished.push(name), result));
    // The first one's content arrives late (a slow download): the next ones still wait for it.
    const late = () => new Promise<Buffer>((resolve) => setTimeout(() => resolve(Buffer.from(COPPER)), 300));
    const first = tracked('copper.txt', verbatim.addArticle({ fileName: 'copper.txt', content: late }));
    const taken = verbatim.addArticle({ fileName: ARTICLE_SOURCE, content: Buffer.from('Again.\n') });
    const last = tracked('tin.md', verbatim.addArticle({ fileName: 'tin.md', content: Buffer.from('Tin prices fell on Wednesday.\n') }));
    await expect(taken).rejects.toBeInstanceOf(ArticleChangeError);
    gate.release();
    await reindexing;
    const [one, three] = await Promise.all([first, last]);
    expect(finished).toEqual(['copper.txt', 'tin.md']);
    expect(one.ok && one.report.added).toEqual(['copper.txt']);
    expect(three.ok && three.report.added).toEqual(['tin.md']);
  });

  it('keeps the added article on disk and the previous index serving when the reindex fails', async () => {
    const ws = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove });
    const before = verbatim.index;
    // Something Verbatim did not write in the index folder: no build replaces it.
    await writeFile(path.join(ws.indexDir, 'notes.txt'), 'mine');
    const result = await verbatim.addArticle({ fileName: 'copper.txt', content: Buffer.from(COPPER) });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(ForeignIndexFolderError);
    expect(await readFile(path.join(ws.corpusDir, 'copper.txt'), 'utf8')).toBe(COPPER);
    expect(verbatim.index).toBe(before);
    expect((await verbatim.ask('What did Trump call the meeting?')).abstained).toBe(false);
    expect(verbatim.isReindexing).toBe(false);
  });
});
