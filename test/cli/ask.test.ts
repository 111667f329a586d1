import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryScript, ROOT, runEntry } from '../helpers/entry.js';

const CITATION_KEYS = ['n', 'source', 'title', 'date', 'section', 'publisher', 'url', 'quote', 'start', 'end', 'score'];

describe('npm run ask', () => {
  let work: string;
  let env: Record<string, string>;
  let body: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-'));
    env = { CORPUS_DIR: path.join(ROOT, 'corpus'), INDEX_DIR: path.join(work, 'index') };
    body = (await readFile(path.join(ROOT, 'corpus/budapest-summit-cancelled.txt'), 'utf8')).replace(/^ date \d{4}-\d{2}-\d{2} /, '');
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('builds the missing index on first use and prints exactly one JSON object with the documented schema', async () => {
    const { code, stdout, stderr } = await runEntry('cli/ask', env, ['--json', 'What did Trump call the meeting?']);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!);
    expect(Object.keys(answer)).toEqual(['question', 'abstained', 'confidence', 'answer', 'citations']);
    expect(answer.abstained).toBe(false);
    expect(['high', 'low']).toContain(answer.confidence);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const citation of answer.citations) {
      expect(Object.keys(citation)).toEqual(CITATION_KEYS);
      expect(citation.source).toBe('budapest-summit-cancelled.txt');
      expect(body.slice(citation.start, citation.end)).toBe(citation.quote);
      expect(answer.answer).toContain(`“${citation.quote}” [${citation.n}]`);
      expect(citation.score).toBeGreaterThan(0);
      expect(citation.score).toBeLessThanOrEqual(1);
    }
    expect(answer.citations[0].quote).toContain('wasted meeting');
  }, 60_000);

  it('prints a readable answer with its sources', async () => {
    const { code, stdout } = await runEntry('cli/ask', env, ['Who reported the cancellation?']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^“The planned Budapest summit .*according to a Financial Times report\.” \[1\]/);
    expect(stdout).toMatch(/\nSources:\n\[1\] .* — 2025-10-31 \(budapest-summit-cancelled\.txt\)/);
  });

  it('abstains with a clear sentence', async () => {
    const { code, stdout } = await runEntry('cli/ask', env, ['--json', 'Who wrote Pride and Prejudice?']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      question: 'Who wrote Pride and Prejudice?',
      abstained: true,
      answer: "I couldn't find that in the articles I have.",
      citations: [],
    });
  });

  it('answers a batch from stdin, one JSON line per question in order, and from a file', async () => {
    const questions = ['Why is peace elusive?', 'Tell me a joke.', 'What did Rubio tell Trump?'];
    const fromStdin = await runEntry('cli/ask', env, ['--json', '--batch', '-'], `${questions.join('\n')}\n\n`);
    expect(fromStdin.code).toBe(0);
    const answers = fromStdin.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers.map((answer) => answer.question)).toEqual(questions);
    expect(answers.map((answer) => answer.abstained)).toEqual([false, true, false]);
    const file = path.join(work, 'questions.txt');
    await writeFile(file, questions.join('\n'));
    const fromFile = await runEntry('cli/ask', env, ['--json', '--batch', file]);
    expect(fromFile.stdout).toBe(fromStdin.stdout);
  });

  it('exits 2 with the usage for bad flags, a missing question, or both a question and a batch', async () => {
    for (const args of [['--bogus', 'q'], [], ['--json'], ['--batch', '-', 'also a question'], ['--corpus']]) {
      const { code, stdout, stderr } = await runEntry('cli/ask', env, args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('Usage: npm run ask');
      expect(stdout).toBe('');
    }
    // Five processes, one after the other: the default 5 s is too close on a loaded machine.
  }, 30_000);

  it('takes --corpus and --index over the environment', async () => {
    const corpus = path.join(work, 'other-corpus');
    await import('node:fs/promises').then((fs) => fs.mkdir(corpus));
    await writeFile(
      path.join(corpus, 'volcano.md'),
      '---\ntitle: Volcano erupts\ndate: 2024-05-01\n---\nThe Etna volcano erupted on Tuesday night. Ash closed the Catania airport for a day.\n',
    );
    const { code, stdout } = await runEntry('cli/ask', env, ['--json', '--corpus', corpus, '--index', path.join(work, 'other-index'), 'Which airport closed?']);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer.citations[0]).toMatchObject({
      source: 'volcano.md',
      title: 'Volcano erupts',
      date: '2024-05-01',
      quote: 'Ash closed the Catania airport for a day.',
    });
  }, 60_000);

  it('says clearly when the index is corrupt, without a stack trace', async () => {
    const index = path.join(work, 'corrupt-index');
    await runEntry('cli/index-command', { ...env, INDEX_DIR: index });
    await writeFile(path.join(index, 'chunks.hnsw'), 'truncated');
    const { code, stderr } = await runEntry('cli/ask', { ...env, INDEX_DIR: index }, ['Why is peace elusive?']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: The index in .* is unreadable \(chunks\.hnsw is truncated or altered\)\. Rebuild it with `npm run index`\./m);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('refuses to answer from a block of the index damaged after it was built, found when the question reads it, and npm run index rebuilds it', async () => {
    const index = path.join(work, 'damaged-block-index');
    const damagedEnv = { ...env, INDEX_DIR: index };
    await runEntry('cli/index-command', damagedEnv);
    // Read on demand: the load does not read the sentence vectors, the question does.
    const vectors = await readFile(path.join(index, 'sentences.f32'));
    vectors[64] = vectors[64]! ^ 0x40;
    await writeFile(path.join(index, 'sentences.f32'), vectors);
    const ask = await runEntry('cli/ask', damagedEnv, ['Why is peace elusive?']);
    expect(ask.code).toBe(1);
    expect(ask.stdout).toBe('');
    expect(ask.stderr).toMatch(
      /^Error: The index in .* is unreadable \(sentences\.f32 is truncated or altered \(block 0 differs from its hash\)\)\. Rebuild it with `npm run index`\./m,
    );
    expect(ask.stderr).not.toMatch(/\n\s+at /);
    const rebuild = await runEntry('cli/index-command', damagedEnv);
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(/warning: indexing every article again, the previous index cannot be reused: .*sentences\.f32 is truncated or altered/);
    expect((await runEntry('cli/ask', damagedEnv, ['Why is peace elusive?'])).code).toBe(0);
  }, 60_000);
  it('runs from its V8 code cache as without one: writes it when there is none usable, keeps a good one, replaces a damaged one, and VERBATIM_CODE_CACHE=0 turns it off', async () => {
    // A copy of the bundle and its loader beside dist/bundle/, so that the shared cache is not touched.
    const folder = await mkdtemp(path.join(ROOT, 'dist/bundle-cache-test-'));
    try {
      await Promise.all(
        ['package.json', 'ask.js', 'ask.cjs'].map(async (name) => writeFile(path.join(folder, name), await readFile(path.join(ROOT, 'dist/bundle', name)))),
      );
      const caches = async () => (await readdir(folder)).filter((name) => name.endsWith('.v8cache'));
      const run = (extra: Record<string, string> = {}) =>
        new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const child = spawn(process.execPath, [path.join(folder, 'ask.js'), '--json', 'Who reported the cancellation?'], {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CACHE_DIR: path.join(ROOT, 'data/cache'), ...env, ...extra },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.on('close', (code) => resolve({ code, stdout }));
        });
      const expected = await runEntry('cli/ask', env, ['--json', 'Who reported the cancellation?']);
      expect(expected.code).toBe(0);

      expect(await run({ VERBATIM_CODE_CACHE: '0' })).toEqual({ code: 0, stdout: expected.stdout });
      expect(await caches()).toEqual([]);
      expect(await run()).toEqual({ code: 0, stdout: expected.stdout });
      const [cache] = await caches();
      expect(cache).toMatch(new RegExp(`^ask\\.cjs\\.[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.platform}-${process.arch}\\.v8cache$`));
      const written = await readFile(path.join(folder, cache!));
      expect(await run()).toEqual({ code: 0, stdout: expected.stdout });
      expect((await readFile(path.join(folder, cache!))).equals(written)).toBe(true);
      // Damaged (V8 rejects it by its checksum): compiled without it, and written anew.
      const damaged = Buffer.from(written);
      damaged.fill(7, Math.floor(damaged.length / 2));
      await writeFile(path.join(folder, cache!), damaged);
      expect(await run()).toEqual({ code: 0, stdout: expected.stdout });
      expect((await readFile(path.join(folder, cache!))).equals(damaged)).toBe(false);
      expect(await caches()).toEqual([cache]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run index and npm run eval', () => {
  it('index prints a summary and warns about skipped files; eval prints the table and meets its targets', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-'));
    try {
      const corpus = path.join(work, 'corpus');
      await import('node:fs/promises').then((fs) => fs.cp(path.join(ROOT, 'corpus'), corpus, { recursive: true }));
      await writeFile(path.join(corpus, 'empty.txt'), '');
      const env = { CORPUS_DIR: corpus, INDEX_DIR: path.join(work, 'index') };
      const index = await runEntry('cli/index-command', env);
      expect(index.code).toBe(0);
      expect(index.stdout).toMatch(/^Indexed 1 document\(s\), 9 chunks, 22 sentences in [\d.]+ s\./);
      expect(index.stdout).toContain('warning: skipped empty.txt: empty file');
      const evaluation = await runEntry('cli/eval', env, ['--questions', 'test/fixtures/dev-questions.jsonl', '--corpus', corpus]);
      expect(evaluation.code).toBe(0);
      expect(evaluation.stdout).toMatch(/^## dev-questions: 24 questions/);
      const value = (metric: string) => new RegExp(`\\| ${metric.replace(/[()@"]/g, '\\$&')} \\| ([^|]+) \\|`).exec(evaluation.stdout)?.[1]?.trim();
      expect(Number(value('hit@1 (first quote holds the evidence)'))).toBeGreaterThanOrEqual(0.9);
      expect(value('hit@3')).toBe('1.000');
      expect(value('unanswerable abstained or tentative')).toBe('6/6');
      expect(value('false abstentions (answerable, "not found")')).toBe('0/18');
      expect(value('verbatim quotes')).toBe('100.0 %');
      // Without --questions, every public set is scored against its own corpus, one table each.
      const all = await runEntry('cli/eval', {});
      expect(all.code).toBe(0);
      expect([...all.stdout.matchAll(/^## ([\w-]+): /gm)].map((match) => match[1])).toEqual(['dev-questions', 'dev-paraphrase', 'sotu-dev', 'sotu-tune']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run ask on a terminal', () => {
  it('never passes an article’s escape sequences to the terminal', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-tty-'));
    try {
      const corpus = path.join(work, 'corpus');
      await import('node:fs/promises').then((fs) => fs.mkdir(corpus));
      await writeFile(
        path.join(corpus, 'escapes.txt'),
        'The copper mine closed in \u001b[31mMarch\u001b[0m after a strike.\u001b]0;pwned\u0007 Workers left the copper mine.\n',
      );
      const env = { CORPUS_DIR: corpus, INDEX_DIR: path.join(work, 'index') };
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(entryScript('cli/ask'))} 'When did the copper mine close?'`;
      // `script` gives the command a pseudo-terminal, as an admin's shell would.
      const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
        const child = spawn('script', ['-qec', command, '/dev/null'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CACHE_DIR: path.join(ROOT, 'data/cache'), ...env },
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', (exit) => resolve({ stdout: out, code: exit }));
      });
      expect(code).toBe(0);
      expect(stdout).toContain('closed in March after a strike.');
      expect(stdout).not.toContain('\u001b]0;pwned');
      expect(stdout).not.toContain('\u001b[31m');
      // Through a pipe (not a terminal) the quote stays byte for byte, as --json always does.
      const piped = await runEntry('cli/ask', env, ['--json', 'When did the copper mine close?']);
      expect(JSON.parse(piped.stdout).citations[0].quote).toContain('\u001b[31mMarch\u001b[0m');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});
