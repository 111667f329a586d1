import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../../../src/core/answer/answerer.js';
import { AcronymExpansions } from '../../../src/core/answer/corpus-spelling.js';
import { ForeignIndexFolderError, IndexCorruptError, IndexMismatchError, IndexNotFoundError, type VerbatimError } from '../../../src/core/errors.js';
import { AcronymTable } from '../../../src/core/index/acronym-table.js';
import { blockHashes, fileHashOfBlocks } from '../../../src/core/index/block-file.js';
import { buildIndex, loadPreviousIndex } from '../../../src/core/index/build.js';
import { writeCorpusFile } from '../../../src/core/index/corpus-file.js';
import { loadIndex, type CorpusIndex } from '../../../src/core/index/corpus-index.js';
import type { GloveEmbeddings } from '../../../src/core/index/embeddings/glove.js';
import type { DescribedEmbeddings } from '../../../src/core/index/embeddings/provider.js';
import { DEFAULT_HNSW } from '../../../src/core/index/hnsw-store.js';
import { INDEX_FORMAT_VERSION, type IndexManifest } from '../../../src/core/index/manifest.js';
import {
  CORPUS_DIR,
  GatedEmbeddings,
  GLOVE_TIMEOUT,
  HashEmbeddings,
  loadGlove,
  makeTempDir,
  readDevQuestions,
  removeTempDirs,
  snapshotDir,
  type DevQuestion,
} from '../../helpers/core.js';

const INDEX_FILES = ['chunks.hnsw', 'corpus.bin', 'lexical.bin', 'lexicon.bin', 'manifest.json', 'sentences.f32'];

let glove: GloveEmbeddings;
let built: CorpusIndex;
/** A pristine index of the shipped corpus; tests damage copies of it. */
let pristine: string;
let questions: DevQuestion[];

beforeAll(async () => {
  glove = await loadGlove();
  pristine = path.join(await makeTempDir('verbatim-index-'), 'index');
  built = (await buildIndex({ corpusDir: CORPUS_DIR, indexDir: pristine, embeddings: glove })).index;
  questions = await readDevQuestions();
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

/** A private copy of the pristine index. */
async function copyIndex(): Promise<string> {
  const dir = path.join(await makeTempDir('verbatim-index-copy-'), 'index');
  await cp(pristine, dir, { recursive: true });
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readManifest(dir: string): Promise<IndexManifest> {
  return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as IndexManifest;
}

/** Replaces a file and records its new hashes in the manifest, as a consistent but damaged index would. */
async function replaceAndRehash(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path.join(dir, name), bytes);
  const manifest = await readManifest(dir);
  if (name in manifest.blocks) {
    manifest.blocks[name] = blockHashes(bytes);
    manifest.files[name] = fileHashOfBlocks(manifest.blocks[name]);
  } else manifest.files[name] = sha256(bytes);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** `corpus.bin` as {@link writeCorpusFile} writes it for the pristine index's documents, its chunk labels changed by `change`. */
async function corpusFileWith(change: (chunkLabels: number[][]) => void, documents = built.documents): Promise<Buffer> {
  const chunkLabels = built.chunkLabels.map((labels) => [...labels]);
  change(chunkLabels);
  const file = path.join(await makeTempDir('verbatim-corpus-file-'), 'corpus.bin');
  await writeCorpusFile(file, documents, documents.length === 0 ? [] : chunkLabels, AcronymTable.of(documents));
  return readFile(file);
}

async function loadError(dir: string, embeddings: DescribedEmbeddings = glove): Promise<unknown> {
  return loadIndex(dir, embeddings).then(
    () => new Error('the index loaded'),
    (error: unknown) => error,
  );
}

describe('saveIndex / loadIndex', () => {
  it('writes the index files and a manifest describing the build', async () => {
    const manifest = await readManifest(pristine);
    expect(Object.keys(manifest.files).sort()).toEqual(INDEX_FILES.filter((name) => name !== 'manifest.json'));
    // The graph by its SHA-256; the files read on demand by their blocks' hashes, and by the SHA-256 of those.
    for (const [name, hash] of Object.entries(manifest.files)) {
      const bytes = await readFile(path.join(pristine, name));
      if (name === 'chunks.hnsw') expect(sha256(bytes)).toBe(hash);
      else expect([blockHashes(bytes), fileHashOfBlocks(blockHashes(bytes))]).toEqual([manifest.blocks[name], hash]);
    }
    expect(Object.keys(manifest.blocks).sort()).toEqual(['corpus.bin', 'lexical.bin', 'lexicon.bin', 'sentences.f32']);
    expect(manifest).toMatchObject({
      formatVersion: INDEX_FORMAT_VERSION,
      embeddings: glove.info,
      hnsw: DEFAULT_HNSW,
      chunkCount: built.graph.size,
      sentenceCount: 22,
      skipped: [],
      documents: [{ source: 'budapest-summit-cancelled.txt', date: '2025-10-31', chunks: built.graph.size, sentences: 22 }],
    });
    expect(Number.isNaN(Date.parse(manifest.builtAt))).toBe(false);
  });

  it('loads back an index that answers every dev question exactly as the built one', async () => {
    const loaded = await loadIndex(pristine, glove);
    expect(loaded.documents).toEqual(JSON.parse(JSON.stringify(built.documents)));
    expect(Array.from(loaded.sentenceVectors.bytes())).toEqual(Array.from(built.sentenceVectors.bytes()));
    expect(loaded.graph.size).toBe(built.graph.size);
    const fromBuild = new Answerer(built, glove);
    const fromDisk = new Answerer(loaded, glove);
    for (const { question } of questions) expect(await fromDisk.ask(question)).toEqual(await fromBuild.ask(question));
  });

  it('loads the acronym table saved in corpus.bin, equal to the one made from the texts; preparing it to answer reads no body', async () => {
    const loaded = await loadIndex(pristine, glove);
    const bodiesUnread = () => loaded.documents.every(({ document }) => Object.getOwnPropertyDescriptor(document, 'body')?.get !== undefined);
    await new Answerer(loaded, glove).prepare();
    const made = AcronymTable.of(built.documents);
    expect(made.initials.length).toBeGreaterThan(10);
    expect(loaded.acronyms.initials).toEqual(made.initials);
    for (const initials of made.initials) expect(loaded.acronyms.textsWith(initials), initials).toEqual(made.textsWith(initials));
    expect(bodiesUnread()).toBe(true);
    // An acronym's expansion reads the bodies it is tested on, and finds what the built index finds.
    const fromBuild = new AcronymExpansions(built.documents, made);
    const fromDisk = new AcronymExpansions(loaded.documents, loaded.acronyms);
    for (const initials of made.initials) expect(fromDisk.termOf(initials), initials).toBe(fromBuild.termOf(initials));
    expect(bodiesUnread()).toBe(false);
  });

  it('keeps answering from an index loaded before its folder was rebuilt: it reads the files it opened, since replaced', async () => {
    const dir = await copyIndex();
    const old = await loadIndex(dir, glove);
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: glove, hnsw: { ...DEFAULT_HNSW, m: DEFAULT_HNSW.m + 2 } });
    // The folder old was loaded from is gone: the files it reads on demand are unlinked, not rewritten.
    expect(await readdir(path.dirname(dir))).toEqual(['index']);
    expect((await readManifest(dir)).hnsw.m).toBe(DEFAULT_HNSW.m + 2);
    const fromBuild = new Answerer(built, glove);
    const fromOld = new Answerer(old, glove);
    for (const { question } of questions) expect(await fromOld.ask(question)).toEqual(await fromBuild.ask(question));
  });

  it('replaces an existing index without leaving temporary directories behind', async () => {
    const parent = await makeTempDir('verbatim-index-replace-');
    const dir = path.join(parent, 'index');
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: glove });
    const first = await readManifest(dir);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: glove });
    const second = await readManifest(dir);
    expect(second.builtAt >= first.builtAt).toBe(true);
    expect(second.files).toEqual(first.files);
    expect(await readdir(parent)).toEqual(['index']);
    await expect(loadIndex(dir, glove)).resolves.toBeDefined();
  });
});

describe('a build replaces only an index Verbatim wrote', () => {
  /** Builds into `dir` and returns what it threw. */
  async function buildError(dir: string): Promise<unknown> {
    return buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: glove }).then(
      () => new Error('the build saved'),
      (error: unknown) => error,
    );
  }

  it('refuses a folder of other files and leaves every one of them, with nothing left beside it', async () => {
    const parent = await makeTempDir('verbatim-index-foreign-');
    const precious = path.join(parent, 'precious');
    await mkdir(path.join(precious, 'drafts'), { recursive: true });
    await writeFile(path.join(precious, 'notes.txt'), 'keep');
    await writeFile(path.join(precious, 'drafts/one.md'), 'keep too');
    const before = await snapshotDir(precious);
    const error = await buildError(precious);
    expect(error).toBeInstanceOf(ForeignIndexFolderError);
    expect(error).toMatchObject({ indexDir: precious, reason: expect.stringMatching(/drafts, notes\.txt and no manifest\.json/) });
    expect(await snapshotDir(precious)).toEqual(before);
    expect(await readdir(parent)).toEqual(['precious']);
  });

  it('refuses a file, and an index of ours that also holds a file it does not list', async () => {
    const parent = await makeTempDir('verbatim-index-foreign-');
    const file = path.join(parent, 'index');
    await writeFile(file, 'not a folder');
    expect(await buildError(file)).toMatchObject({ name: 'ForeignIndexFolderError', reason: 'it is a file, not a folder' });
    expect(await readFile(file, 'utf8')).toBe('not a folder');

    const dir = await copyIndex();
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const before = await snapshotDir(dir);
    expect(await buildError(dir)).toBeInstanceOf(ForeignIndexFolderError);
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('checks again before replacing: files that appear during the build are kept, and so is the folder', async () => {
    const parent = await makeTempDir('verbatim-index-race-');
    const dir = path.join(parent, 'index');
    await mkdir(dir);
    const gated = new GatedEmbeddings(glove);
    const gate = gated.hold();
    const build = buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: gated }).then(
      () => new Error('the build saved'),
      (error: unknown) => error,
    );
    await gate.reached;
    await writeFile(path.join(dir, 'notes.txt'), 'written while the build ran');
    gate.release();
    expect(await build).toBeInstanceOf(ForeignIndexFolderError);
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('written while the build ran');
    expect(await readdir(parent)).toEqual(['index']);
  });

  it('builds into an empty folder, and through a link replaces the folder it points to, keeping the link', async () => {
    const parent = await makeTempDir('verbatim-index-link-');
    const real = path.join(parent, 'disk', 'index');
    await mkdir(real, { recursive: true });
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: real, embeddings: glove });
    await expect(loadIndex(real, glove)).resolves.toBeDefined();
    const link = path.join(parent, 'index');
    await symlink(real, link);
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: link, embeddings: glove });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    await expect(loadIndex(link, glove)).resolves.toBeDefined();
    expect((await readdir(path.join(parent, 'disk'))).sort()).toEqual(['index']);
  });

  it('replaces an index of an older format version', async () => {
    const dir = await copyIndex();
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...(await readManifest(dir)), formatVersion: 1 }));
    expect(await loadError(dir)).toBeInstanceOf(IndexCorruptError);
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: glove });
    await expect(loadIndex(dir, glove)).resolves.toBeDefined();
  });
});

describe('loadIndex refuses an unusable index', () => {
  it('IndexNotFoundError for a missing directory and for an empty one', async () => {
    const parent = await makeTempDir('verbatim-index-none-');
    const missing = await loadError(path.join(parent, 'does-not-exist'));
    expect(missing).toBeInstanceOf(IndexNotFoundError);
    expect(missing).toMatchObject({ indexDir: path.join(parent, 'does-not-exist'), remedy: 'build-index' });
    await mkdir(path.join(parent, 'empty'));
    expect(await loadError(path.join(parent, 'empty'))).toBeInstanceOf(IndexNotFoundError);
  });

  it('IndexMismatchError, telling to reindex, for an index built with other embeddings', async () => {
    const parent = await makeTempDir('verbatim-index-other-');
    const dir = path.join(parent, 'index');
    const other = new HashEmbeddings(64);
    await buildIndex({ corpusDir: CORPUS_DIR, indexDir: dir, embeddings: other });
    const error = await loadError(dir, glove);
    expect(error).toBeInstanceOf(IndexMismatchError);
    const message = (error as Error).message;
    expect(error).toMatchObject({ remedy: 'reindex' });
    expect(message).toContain('test:hashed-bag-of-words-64');
    expect(message).toContain(glove.info.model);
    // And the other way round.
    expect(await loadError(pristine, other)).toBeInstanceOf(IndexMismatchError);
    // The right embeddings load it.
    await expect(loadIndex(dir, new HashEmbeddings(64))).resolves.toBeDefined();
  });

  it('IndexMismatchError for a manifest naming another model, or other dimensions', async () => {
    const dir = await copyIndex();
    const manifest = await readManifest(dir);
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ ...manifest, embeddings: { provider: 'openai', model: 'text-embedding-3-small', dimensions: 1536 } }),
    );
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(IndexMismatchError);
    expect((error as Error).message).toMatch(/openai:text-embedding-3-small/);
    expect(error).toMatchObject({ remedy: 'reindex' });

    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, embeddings: { ...manifest.embeddings, dimensions: 300 } }));
    expect(await loadError(dir)).toBeInstanceOf(IndexMismatchError);
  });

  const corruptions: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['a truncated chunks.hnsw', (dir) => truncate(path.join(dir, 'chunks.hnsw'), 100), /chunks\.hnsw/],
    ['an empty chunks.hnsw', (dir) => truncate(path.join(dir, 'chunks.hnsw'), 0), /chunks\.hnsw/],
    [
      'an altered corpus.bin',
      async (dir) => {
        const file = path.join(dir, 'corpus.bin');
        await writeFile(file, (await readFile(file, 'latin1')).replace('Budapest', 'Bucharest'), 'latin1');
      },
      /corpus\.bin is truncated or altered/,
    ],
    ['a truncated corpus.bin', (dir) => truncate(path.join(dir, 'corpus.bin'), 1000), /corpus\.bin is truncated or altered/],
    // Read on demand: the last block holds tables read at load (a block read later is refused when read, see lexical.test.ts).
    ...(['lexical.bin', 'lexicon.bin'] as const).map((name): [string, (dir: string) => Promise<void>, RegExp] => [
      `an altered ${name}`,
      async (dir) => {
        const bytes = await readFile(path.join(dir, name));
        bytes[bytes.length - 1]! ^= 1;
        await writeFile(path.join(dir, name), bytes);
      },
      new RegExp(`${name.replace('.', '\\.')} is truncated or altered \\(block \\d+ differs from its hash\\)`),
    ]),
    ['a truncated lexicon.bin', (dir) => truncate(path.join(dir, 'lexicon.bin'), 1000), /lexicon\.bin is truncated or altered/],
    ['a truncated sentences.f32', (dir) => truncate(path.join(dir, 'sentences.f32'), 12), /sentences\.f32/],
    [
      'a manifest of another format version',
      async (dir) => writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...(await readManifest(dir)), formatVersion: 99 })),
      /format version 99/,
    ],
    [
      'a manifest without embeddings',
      async (dir) => writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...(await readManifest(dir)), embeddings: undefined })),
      /embeddings/,
    ],
    ['a deleted lexical.bin', (dir) => rm(path.join(dir, 'lexical.bin')), /lexical\.bin is missing/],
    ['a deleted chunks.hnsw', (dir) => rm(path.join(dir, 'chunks.hnsw')), /chunks\.hnsw is missing/],
    [
      'a manifest without the graph parameters',
      async (dir) => writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...(await readManifest(dir)), hnsw: undefined })),
      /how its graph was built/,
    ],
    // Damage that the manifest's hashes do not catch (the manifest was rewritten to match).
    [
      'a truncated chunks.hnsw with a matching hash',
      async (dir) => replaceAndRehash(dir, 'chunks.hnsw', (await readFile(path.join(dir, 'chunks.hnsw'))).subarray(0, 100)),
      /chunks\.hnsw is 100 bytes, too short for 9 elements/,
    ],
    ['an empty chunks.hnsw with a matching hash', (dir) => replaceAndRehash(dir, 'chunks.hnsw', new Uint8Array()), /./],
    ['a corpus.bin of another kind with a matching hash', (dir) => replaceAndRehash(dir, 'corpus.bin', Buffer.from('{"documents": []}')), /not a VCORP 1 file/],
    [
      'a corpus.bin cut short with a matching hash',
      async (dir) => replaceAndRehash(dir, 'corpus.bin', (await readFile(path.join(dir, 'corpus.bin'))).subarray(0, 400)),
      /shorter than its sections/,
    ],
    [
      'a corpus.bin of no documents with a matching hash',
      async (dir) => replaceAndRehash(dir, 'corpus.bin', await corpusFileWith(() => undefined, [])),
      /the manifest and the files disagree: the manifest lists \d+ documents, corpus\.bin holds 0/,
    ],
    [
      'a short sentences.f32 with a matching hash',
      (dir) => replaceAndRehash(dir, 'sentences.f32', new Uint8Array(8)),
      /sentences\.f32 holds 2 numbers, not \d+ vectors of \d+/,
    ],
    ['a lexical.bin of another kind with a matching hash', (dir) => replaceAndRehash(dir, 'lexical.bin', Buffer.from('{"search": {}}')), /not a VLEX 1 file/],
    [
      'a lexicon.bin cut short with a matching hash',
      async (dir) => replaceAndRehash(dir, 'lexicon.bin', (await readFile(path.join(dir, 'lexicon.bin'))).subarray(0, 64)),
      /shorter than its sections/,
    ],
    [
      'a truncated lexical.bin with a matching hash',
      async (dir) => replaceAndRehash(dir, 'lexical.bin', (await readFile(path.join(dir, 'lexical.bin'))).subarray(0, 100)),
      /shorter than its sections/,
    ],
    [
      'two chunks given the same label with a matching hash',
      async (dir) => {
        await replaceAndRehash(dir, 'corpus.bin', await corpusFileWith((chunkLabels) => (chunkLabels[0]![1] = chunkLabels[0]![0]!)));
      },
      /the chunks of corpus\.bin do not each have a graph label of their own/,
    ],
    [
      'a graph marking a live chunk deleted with a matching hash',
      async (dir) => {
        const graph = await readFile(path.join(dir, 'chunks.hnsw'));
        // Element 0 (label 0, the first chunk): its flags follow its 16-bit link count, after the 96-byte header.
        graph.writeUInt16LE(1, 96 + 2);
        await replaceAndRehash(dir, 'chunks.hnsw', graph);
      },
      /the chunks of corpus\.bin do not each have a graph label of their own/,
    ],
    [
      'a chunk label beyond the graph with a matching hash',
      async (dir) => {
        await replaceAndRehash(dir, 'corpus.bin', await corpusFileWith((chunkLabels) => (chunkLabels[0]![0] = 1000)));
      },
      /the chunks of corpus\.bin do not each have a graph label of their own/,
    ],
  ];

  for (const [what, damage, reason] of corruptions) {
    it(`IndexCorruptError for ${what}`, async () => {
      const dir = await copyIndex();
      await damage(dir);
      const error = await loadError(dir);
      expect(error).toBeInstanceOf(IndexCorruptError);
      expect((error as Error).message).toMatch(reason);
      expect(error).toMatchObject({ indexDir: dir, remedy: 'rebuild-index' });
    });
  }

  // Read on demand, the sentence vectors and the documents' spans and bodies are checked when first
  // read: a load does not see damage there, the first question reading it refuses to answer, and a
  // build that would reuse the index is told at once that it cannot.
  const damageFoundLater: [string, (dir: string) => Promise<void>, RegExp][] = [
    [
      'an altered sentences.f32',
      async (dir) => {
        const file = path.join(dir, 'sentences.f32');
        const bytes = await readFile(file);
        bytes[100] = bytes[100]! ^ 0x40;
        await writeFile(file, bytes);
      },
      /sentences\.f32 is truncated or altered \(block 0 differs from its hash\)/,
    ],
    [
      'a corpus.bin whose lead-in is past its document, with matching hashes',
      async (dir) => {
        const documents = built.documents.map((doc) => ({
          ...doc,
          sentences: doc.sentences.map((sentence, i) => (i === 0 ? { ...sentence, leadIn: 9999 } : sentence)),
        }));
        await replaceAndRehash(dir, 'corpus.bin', await corpusFileWith(() => undefined, documents));
      },
      /corpus\.bin: its sections disagree/,
    ],
  ];

  for (const [what, damage, reason] of damageFoundLater) {
    it(`IndexCorruptError for ${what}, from every question that reads it, and from a load for a build`, async () => {
      const dir = await copyIndex();
      await damage(dir);
      const answerer = new Answerer(await loadIndex(dir, glove), glove);
      for (const { question } of questions.slice(0, 2)) {
        const error = await answerer.ask(question).then(
          () => new Error('it answered'),
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(IndexCorruptError);
        expect((error as Error).message).toMatch(reason);
        expect(error).toMatchObject({ indexDir: dir, remedy: 'rebuild-index' });
      }
      const forBuild = await loadIndex(dir, glove, { checkEveryBlock: true }).then(
        () => new Error('the index loaded'),
        (failure: unknown) => failure,
      );
      expect(forBuild).toBeInstanceOf(IndexCorruptError);
      expect((forBuild as Error).message).toMatch(reason);
      const unusable: VerbatimError[] = [];
      expect(await loadPreviousIndex(dir, glove, (error) => unusable.push(error))).toBeUndefined();
      expect(unusable.map((error) => error.message)).toEqual([expect.stringMatching(reason)]);
    });
  }

  // Without a manifest of ours nothing proves Verbatim wrote the folder: it is not read, and
  // the message must not advise `npm run index` as if that could replace it.
  const foreignFolders: [string, (dir: string) => Promise<void>, RegExp][] = [
    [
      'garbage bytes as manifest.json',
      (dir) => writeFile(path.join(dir, 'manifest.json'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b])),
      /manifest\.json is not valid JSON/,
    ],
    ['a JSON array as manifest.json', (dir) => writeFile(path.join(dir, 'manifest.json'), '[1, 2, 3]'), /manifest\.json is not one Verbatim wrote/],
    ['an empty manifest.json', (dir) => writeFile(path.join(dir, 'manifest.json'), ''), /manifest\.json is not valid JSON/],
    ['a deleted manifest.json', (dir) => rm(path.join(dir, 'manifest.json')), /and no manifest\.json/],
    ['a file the manifest does not list', (dir) => writeFile(path.join(dir, 'notes.txt'), 'mine'), /also holds notes\.txt/],
  ];

  for (const [what, damage, reason] of foreignFolders) {
    it(`ForeignIndexFolderError, advising no command, for ${what}`, async () => {
      const dir = await copyIndex();
      await damage(dir);
      const error = await loadError(dir);
      expect(error).toBeInstanceOf(ForeignIndexFolderError);
      expect((error as Error).message).toMatch(reason);
      expect(error).toMatchObject({ indexDir: dir, remedy: 'choose-index-folder' });
    });
  }

  it('the process survives all of it and the pristine index still loads and answers', async () => {
    const index = await loadIndex(pristine, glove);
    const answer = await new Answerer(index, glove).ask('What did Trump call the meeting?');
    expect(answer.abstained).toBe(false);
  });
});
