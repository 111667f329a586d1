import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { Bm25Sentences, ProjectSystem, TextbookRecipe, VectorOnly } from './baselines.js';
import { benchDiscord, childEnv, discordAvailability, ROOT, runWorker, timeEntry, type TimedRun } from './processes.js';
import { KNOWN_ITEM_MIN_TERMS, knownItemSearch, sampleKnownItems, storyQuality } from './quality.js';
import { SOTU_QUESTIONS } from './questions.js';
import { formatReport, type BenchResults, type BuildSeries, type CorpusFigures, type SpawnFigures, type Target } from './report.js';
import { changeFiles, liveReindex, proseArticle, shortLineArticle, writeArticle } from './live-reindex.js';
import { loadSpeeches, sliceSpeeches, writeSpeeches, type SpeechFile } from './sotu.js';
import { median, summarize } from './stats.js';
import type { BuildFigures, Phases, ReindexFigures } from './worker.js';
import { loadCorpus } from '../src/core/corpus/loader.js';
import { parseQuestions } from '../src/core/eval.js';
import { buildIndex } from '../src/core/index/build.js';
import { loadIndex } from '../src/core/index/corpus-index.js';
import { createEmbeddings } from '../src/core/index/embeddings/factory.js';
import type { DescribedEmbeddings } from '../src/core/index/embeddings/provider.js';
import { segmentDocument } from '../src/core/index/segment.js';
import { Verbatim } from '../src/core/service.js';
import { EXIT, parseFlags, runAsProgram, runCommand, UsageError } from '../src/cli/run.js';

const USAGE = `Usage: npm run bench -- [--quick] [--json FILE] [--only SECTIONS] [--keep]

Benchmarks answer quality and speed; prints a Markdown report on stdout (progress on stderr).
  --quick          fewer repetitions, a 10 % slice of the SOTU corpus (under a minute)
  --json FILE      also write every raw figure as JSON to FILE
  --only SECTIONS  comma-separated subset of: story, latency, scale, growth, live-reindex
                   (default: all but live-reindex, which takes minutes: name it to run it)
  --keep           keep the temporary directory (printed on stderr)`;

const SECTIONS = ['story', 'latency', 'scale', 'growth', 'live-reindex'] as const;
type Section = (typeof SECTIONS)[number];
/** Without --only: live-reindex indexes three 10 MB corpora in a bot, minutes even in quick mode. */
const DEFAULT_SECTIONS: readonly Section[] = ['story', 'latency', 'scale', 'growth'];

/** How much work each mode does. */
interface Plan {
  coldRuns: number;
  firstRuns: number;
  askPasses: number;
  discordCount: number;
  discordWarmup: number;
  sotuFraction: number;
  buildReps: number;
  reindexReps: number;
  knownItems: number;
  scaleAskPasses: number;
  growth: number[];
}

const FULL: Plan = {
  coldRuns: 5,
  firstRuns: 3,
  askPasses: 20,
  discordCount: 100,
  discordWarmup: 5,
  sotuFraction: 1,
  buildReps: 3,
  reindexReps: 3,
  knownItems: 200,
  scaleAskPasses: 5,
  growth: [0.1, 0.25, 0.5, 1],
};

const QUICK: Plan = {
  coldRuns: 3,
  firstRuns: 1,
  askPasses: 5,
  discordCount: 20,
  discordWarmup: 2,
  sotuFraction: 0.1,
  buildReps: 1,
  reindexReps: 1,
  knownItems: 50,
  scaleAskPasses: 2,
  growth: [0.1, 0.25, 0.5, 1],
};

const STORY_CORPUS = path.join(ROOT, 'corpus');
const DEV_QUESTIONS = path.join(ROOT, 'test/fixtures/dev-questions.jsonl');
const PARAPHRASE_QUESTIONS = path.join(ROOT, 'test/fixtures/dev-paraphrase.jsonl');

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Medians of several builds' figures. */
function buildSeries(runs: BuildFigures[]): BuildSeries {
  const mid = (pick: (run: BuildFigures) => number) => median(runs.map(pick));
  const phases: Phases = {};
  for (const phase of ['reading', 'embedding', 'indexing', 'saving'] as const) {
    const values = runs.flatMap((run) => (run.phases[phase] !== undefined ? [run.phases[phase]!] : []));
    if (values.length > 0) phases[phase] = median(values);
  }
  const series: BuildSeries = {
    runs,
    seconds: mid((run) => run.seconds),
    peakRssMb: mid((run) => run.peakRssMb),
    phases,
    documents: runs[0]?.documents ?? 0,
    chunks: runs[0]?.chunks ?? 0,
    sentences: runs[0]?.sentences ?? 0,
    indexBytes: mid((run) => run.indexBytes),
  };
  const asked = runs.flatMap((run) => (run.ask ? [run.ask] : []));
  if (asked.length > 0) {
    series.askP50Ms = median(asked.map((ask) => ask.p50));
    series.askP95Ms = median(asked.map((ask) => ask.p95));
  }
  return series;
}

/** Latency of answering `questions` `passes` times over, after one untimed warm-up pass. */
async function timeQuestions(questions: readonly string[], passes: number, answer: (question: string) => Promise<unknown>) {
  for (const question of questions) await answer(question);
  const times: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const question of questions) {
      const started = performance.now();
      await answer(question);
      times.push(performance.now() - started);
    }
  }
  return { ...summarize(times), questions: questions.length, passes };
}
/** Runs a command `runs` times, after one untimed warm-up run when `warmup` is set. */
async function spawnSeries(runs: number, run: () => Promise<TimedRun>, warmup: boolean): Promise<SpawnFigures> {
  const timed: TimedRun[] = [];
  if (warmup) await run();
  while (timed.length < runs) {
    const result = await run();
    if (result.code !== 0) throw new Error(`a timed run failed (exit ${result.code}):\n${result.stderr}`);
    timed.push(result);
  }
  return {
    runs: timed.length,
    firstByteMs: summarize(timed.map((result) => result.firstByteMs)),
    exitMs: summarize(timed.map((result) => result.exitMs)),
  };
}

function corpusFigures(speeches: SpeechFile[], fraction: number): CorpusFigures {
  return {
    fraction,
    documents: speeches.length,
    words: speeches.reduce((sum, speech) => sum + speech.words, 0),
    bytes: speeches.reduce((sum, speech) => sum + speech.bytes, 0),
  };
}

interface Context {
  plan: Plan;
  work: string;
  cacheDir: string;
  embeddings: DescribedEmbeddings;
  storyIndex: string;
  devQuestions: ReturnType<typeof parseQuestions>;
  /** Story questions in members' own words (metadata questions left out: the peers have no metadata). */
  paraphraseQuestions: ReturnType<typeof parseQuestions>;
}

async function benchStory(context: Context): Promise<NonNullable<BenchResults['story']>> {
  progress('story: three systems on the dev and paraphrased questions');
  const { embeddings, devQuestions, paraphraseQuestions } = context;
  const index = await loadIndex(context.storyIndex, embeddings);
  const loaded = await loadCorpus(STORY_CORPUS);
  const segmented = loaded.documents.map((document) => segmentDocument(document));
  const systems = [new ProjectSystem(index, embeddings), Bm25Sentences.build(segmented), await TextbookRecipe.build(loaded.documents, embeddings)] as const;
  // One system at a time, so that each one's timings are its own.
  const score = async (questions: typeof devQuestions) => {
    const [project, bm25, textbook] = systems;
    return { project: await storyQuality(project, questions), bm25: await storyQuality(bm25, questions), textbook: await storyQuality(textbook, questions) };
  };
  return {
    questions: devQuestions.length,
    documents: loaded.documents.length,
    sentences: segmented.reduce((sum, doc) => sum + doc.sentences.length, 0),
    systems: await score(devQuestions),
    paraphrase: { questions: paraphraseQuestions.length, systems: await score(paraphraseQuestions) },
  };
}

async function benchLatency(context: Context): Promise<NonNullable<BenchResults['latency']>> {
  const { plan, devQuestions } = context;
  const questions = devQuestions.map((question) => question.question);

  progress(`latency: cold start, ${plan.coldRuns} runs of \`npm run ask\``);
  const storyEnv = childEnv({ CORPUS_DIR: STORY_CORPUS, INDEX_DIR: context.storyIndex, CACHE_DIR: context.cacheDir });
  const coldStart = await spawnSeries(plan.coldRuns, () => timeEntry('cli/ask', storyEnv, [questions[0]!]), true);

  let firstRun: NonNullable<BenchResults['latency']>['firstRun'] = { available: false, reason: 'no runs planned' };
  if (plan.firstRuns > 0) {
    progress(`latency: first run (fresh vector cache and index), ${plan.firstRuns} run(s)`);
    let fresh = 0;
    firstRun = await spawnSeries(
      plan.firstRuns,
      async () => {
        const dir = path.join(context.work, `first-run-${fresh++}`);
        const env = childEnv({ CORPUS_DIR: STORY_CORPUS, INDEX_DIR: path.join(dir, 'index'), CACHE_DIR: path.join(dir, 'cache') });
        try {
          return await timeEntry('cli/ask', env, [questions[0]!]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      false,
    );
  }

  progress(`latency: \`ask\` in-process, ${questions.length} questions × ${plan.askPasses} passes`);
  const verbatim = await Verbatim.open({ corpusDir: STORY_CORPUS, indexDir: context.storyIndex, embeddings: context.embeddings });
  const ask = await timeQuestions(questions, plan.askPasses, (question) => verbatim.ask(question));

  let discord: NonNullable<BenchResults['latency']>['discord'];
  const availability = discordAvailability();
  if (!availability.available) {
    progress(`latency: Discord skipped (${availability.reason})`);
    discord = availability;
  } else {
    progress(`latency: /ask through the Discord emulator, ${plan.discordCount} questions`);
    try {
      const figures = await benchDiscord({ corpusDir: STORY_CORPUS, indexDir: context.storyIndex, cacheDir: context.cacheDir, questions, count: plan.discordCount, warmup: plan.discordWarmup });
      discord = { available: true, ...figures };
    } catch (error) {
      // A broken bot must not cost the rest of the report: say so there, details on stderr.
      progress(`latency: the Discord benchmark failed: ${(error as Error).stack ?? String(error)}`);
      discord = { available: false, reason: `failed: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return { coldStart, firstRun, ask, discord };
}

async function buildRuns(reps: number, job: () => Parameters<typeof runWorker>[0]): Promise<BuildFigures[]> {
  const runs: BuildFigures[] = [];
  for (let rep = 0; rep < reps; rep++) runs.push(await runWorker<BuildFigures>(job()));
  return runs;
}

async function benchScale(context: Context, speeches: SpeechFile[]): Promise<NonNullable<BenchResults['scale']>> {
  const { plan, work, cacheDir } = context;
  const slice = sliceSpeeches(speeches, plan.sotuFraction);
  const corpusDir = path.join(work, 'sotu');
  const indexDir = path.join(work, 'sotu-index');
  await writeSpeeches(corpusDir, slice);
  const corpus = corpusFigures(slice, plan.sotuFraction);

  progress(`scale: full build of ${slice.length} speeches, ${plan.buildReps} run(s)`);
  const build = buildSeries(
    await buildRuns(plan.buildReps, () => ({ mode: 'build', corpusDir, indexDir, cacheDir, questions: [...SOTU_QUESTIONS], passes: plan.scaleAskPasses })),
  );

  progress(`scale: reindex after changing one file, ${plan.reindexReps} run(s)`);
  const reindexCorpus = path.join(work, 'sotu-reindex');
  const reindexIndex = path.join(work, 'sotu-reindex-index');
  await cp(corpusDir, reindexCorpus, { recursive: true });
  await cp(indexDir, reindexIndex, { recursive: true });
  const changed = slice[Math.floor(slice.length / 2)]!.file;
  const reindexed = await runWorker<ReindexFigures>({ mode: 'reindex', corpusDir: reindexCorpus, indexDir: reindexIndex, cacheDir, file: changed, reps: plan.reindexReps });
  await rm(reindexCorpus, { recursive: true, force: true });
  await rm(reindexIndex, { recursive: true, force: true });
  const reindexPhases: Phases = {};
  for (const phase of ['reading', 'embedding', 'indexing', 'saving'] as const) {
    const values = reindexed.runs.flatMap((run) => (run.phases[phase] !== undefined ? [run.phases[phase]!] : []));
    if (values.length > 0) reindexPhases[phase] = median(values);
  }
  const reindex = {
    loadSeconds: reindexed.loadSeconds,
    seconds: median(reindexed.runs.map((run) => run.seconds)),
    phases: reindexPhases,
    runs: reindexed.runs,
    peakRssMb: reindexed.peakRssMb,
  };

  progress(`scale: BM25-only and vector-only builds, ${plan.buildReps} run(s) each`);
  const bm25Build = buildSeries(await buildRuns(plan.buildReps, () => ({ mode: 'bm25', corpusDir, indexDir: path.join(work, 'sotu-bm25'), cacheDir })));
  const vectorBuild = buildSeries(await buildRuns(plan.buildReps, () => ({ mode: 'vector', corpusDir, indexDir: path.join(work, 'sotu-vector'), cacheDir })));
  await rm(path.join(work, 'sotu-bm25'), { recursive: true, force: true });
  await rm(path.join(work, 'sotu-vector'), { recursive: true, force: true });

  progress('scale: loading the index in-process; `ask` latency');
  const loadStarted = performance.now();
  const index = await loadIndex(indexDir, context.embeddings);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const verbatim = new ProjectSystem(index, context.embeddings);
  const ask = await timeQuestions(SOTU_QUESTIONS, plan.scaleAskPasses, (question) => verbatim.search(question));

  progress(`scale: known-item search, ${plan.knownItems} sentences × 3 systems`);
  const items = sampleKnownItems(index, plan.knownItems);
  const project = await knownItemSearch(new ProjectSystem(index, context.embeddings, { maxQuotes: 5, relativeCutoff: 0 }), items);
  const bm25 = await knownItemSearch(Bm25Sentences.build(index.documents), items);
  const vector = await knownItemSearch(new VectorOnly(index, context.embeddings), items);

  return {
    corpus,
    build,
    reindex,
    loadSeconds,
    ask,
    knownItems: { queries: items.length, minTerms: KNOWN_ITEM_MIN_TERMS, project, bm25, vector },
    peers: { bm25: bm25Build, vector: vectorBuild },
  };
}

async function benchGrowth(context: Context, speeches: SpeechFile[], scale: BenchResults['scale']): Promise<NonNullable<BenchResults['growth']>> {
  const { plan, work, cacheDir } = context;
  const base = sliceSpeeches(speeches, plan.sotuFraction);
  const points: NonNullable<BenchResults['growth']> = [];
  for (const fraction of plan.growth) {
    const slice = sliceSpeeches(base, fraction);
    const corpus = corpusFigures(slice, fraction * plan.sotuFraction);
    if (fraction === 1 && scale) {
      points.push({ share: fraction, corpus, build: scale.build });
      continue;
    }
    progress(`growth: ${(fraction * 100).toFixed(0)} % (${slice.length} speeches), ${plan.buildReps} run(s)`);
    const corpusDir = path.join(work, `growth-${fraction}`);
    const indexDir = path.join(work, `growth-${fraction}-index`);
    await writeSpeeches(corpusDir, slice);
    const runs = await buildRuns(plan.buildReps, () => ({ mode: 'build', corpusDir, indexDir, cacheDir, questions: [...SOTU_QUESTIONS], passes: plan.scaleAskPasses }));
    points.push({ share: fraction, corpus, build: buildSeries(runs) });
    await rm(corpusDir, { recursive: true, force: true });
    await rm(indexDir, { recursive: true, force: true });
  }
  return points;
}

/** Size of the generated large articles: just under the loader's 10 MiB cap. */
const LARGE_ARTICLE_BYTES = 10_000_000;
/** Changed files in the SOTU case of the live reindex. */
const LIVE_CHANGED_FILES = 100;
/** `/ask` per second during a live reindex. */
const LIVE_ASK_RATE = 2;

async function benchLiveReindex(context: Context, speeches: SpeechFile[]): Promise<NonNullable<BenchResults['liveReindex']>> {
  const { plan, work, cacheDir } = context;
  const storyQuestions = context.devQuestions.map((question) => question.question);
  const results: NonNullable<BenchResults['liveReindex']> = [];
  const run = async (name: string, description: string, corpusDir: string, indexDir: string, questions: readonly string[], change: () => Promise<void>) => {
    progress(`live-reindex ${name}: ${description}, /ask ${LIVE_ASK_RATE} per second throughout`);
    results.push(await liveReindex({ name, description, corpusDir, indexDir, cacheDir, questions, change, rate: LIVE_ASK_RATE, progress }));
    await rm(corpusDir, { recursive: true, force: true });
    await rm(indexDir, { recursive: true, force: true });
  };
  const storyCopy = async (name: string) => {
    const corpusDir = path.join(work, `live-${name}`);
    const indexDir = path.join(work, `live-${name}-index`);
    await cp(STORY_CORPUS, corpusDir, { recursive: true });
    await cp(context.storyIndex, indexDir, { recursive: true });
    return { corpusDir, indexDir };
  };

  const prose = await storyCopy('prose');
  const article = proseArticle(speeches.map((file) => file.speech), LARGE_ARTICLE_BYTES);
  await run('prose', `story corpus + one ${(LARGE_ARTICLE_BYTES / 1e6).toFixed(0)} MB article of SOTU sentences`, prose.corpusDir, prose.indexDir, storyQuestions, () =>
    writeArticle(prose.corpusDir, 'collected-addresses.md', article),
  );

  const slice = sliceSpeeches(speeches, plan.sotuFraction);
  const sotuCorpus = path.join(work, 'live-sotu');
  const sotuIndex = path.join(work, 'live-sotu-index');
  await writeSpeeches(sotuCorpus, slice);
  await runWorker<BuildFigures>({ mode: 'build', corpusDir: sotuCorpus, indexDir: sotuIndex, cacheDir });
  const changed = Math.min(LIVE_CHANGED_FILES, slice.length);
  await run('sotu', `SOTU corpus (${slice.length} speeches), ${changed} files changed`, sotuCorpus, sotuIndex, SOTU_QUESTIONS, async () => {
    await changeFiles(sotuCorpus, changed);
  });

  const lines = await storyCopy('short-lines');
  await run('short-lines', `story corpus + one ${(LARGE_ARTICLE_BYTES / 1e6).toFixed(0)} MB file of short lines ("Line 12345 ok.")`, lines.corpusDir, lines.indexDir, storyQuestions, () =>
    writeArticle(lines.corpusDir, 'short-lines.md', shortLineArticle(LARGE_ARTICLE_BYTES)),
  );
  return results;
}

/** The targets, judged on the figures (full-corpus targets are not judged on a slice). */
function judgeTargets(results: BenchResults, quick: boolean): Target[] {
  const targets: Target[] = [];
  const add = (id: string, label: string, value: number, unit: string, target: string, met: boolean | null) => targets.push({ id, label, value, unit, target, met });
  if (results.story) {
    const { project, bm25, textbook } = results.story.systems;
    add('story-hit1', 'Story: this project\'s hit@1', project.hitAt1, '', `> both peers (BM25 ${bm25.hitAt1.toFixed(3)}, textbook ${textbook.hitAt1.toFixed(3)})`, project.hitAt1 > Math.max(bm25.hitAt1, textbook.hitAt1));
    const paraphrase = results.story.paraphrase.systems;
    add('paraphrase-hit1', 'Story, paraphrased: this project\'s hit@1', paraphrase.project.hitAt1, '', `> both peers (BM25 ${paraphrase.bm25.hitAt1.toFixed(3)}, textbook ${paraphrase.textbook.hitAt1.toFixed(3)})`, paraphrase.project.hitAt1 > Math.max(paraphrase.bm25.hitAt1, paraphrase.textbook.hitAt1));
    add('story-chars', 'Story: characters quoted per answer', project.meanQuotedChars, 'chars', `< textbook recipe (${textbook.meanQuotedChars.toFixed(0)})`, project.meanQuotedChars < textbook.meanQuotedChars);
  }
  if (results.latency) {
    const { latency } = results;
    add('cold-start', 'Cold start (spawn → first answer, p50)', latency.coldStart.firstByteMs.p50, 'ms', '≤ 1000 ms', latency.coldStart.firstByteMs.p50 <= 1000);
    add('ask-p50', '`ask` in-process p50', latency.ask.p50, 'ms', '≤ 10 ms', latency.ask.p50 <= 10);
    if (latency.discord.available) {
      add('discord-p50', '`/ask` end to end p50', latency.discord.edit.p50, 'ms', '≤ 25 ms', latency.discord.edit.p50 <= 25);
      if (latency.discord.peakRssMb !== undefined) add('bot-rss', 'Bot peak RSS, story index loaded', latency.discord.peakRssMb, 'MB', '≤ 400 MB', latency.discord.peakRssMb <= 400);
    }
  }
  if (results.scale) {
    const { scale } = results;
    const judge = (met: boolean) => (quick || scale.corpus.fraction < 1 ? null : met);
    add('scale-build', 'SOTU: full index build', scale.build.seconds, 's', '≤ 90 s', judge(scale.build.seconds <= 90));
    add('scale-rss', 'SOTU: build peak RSS', scale.build.peakRssMb, 'MB', '≤ 1536 MB', judge(scale.build.peakRssMb <= 1536));
    add('scale-reindex', 'SOTU: one-file reindex', scale.reindex.seconds, 's', '≤ 5 s', judge(scale.reindex.seconds <= 5));
    add('scale-ask-p50', 'SOTU: `ask` p50', scale.ask.p50, 'ms', '≤ 30 ms', judge(scale.ask.p50 <= 30));
  }
  for (const run of results.liveReindex ?? []) {
    add(`live-${run.name}`, `Live reindex, ${run.description}: share of asks acknowledged within 3 s`, run.acknowledged / Math.max(1, run.sent), '', `= 1.000 (all ${run.sent})`, run.acknowledged === run.sent);
  }
  return targets;
}

/** `npm run bench` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean' },
    });
    const sections = new Set<Section>(
      (values.only ?? DEFAULT_SECTIONS.join(','))
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
        .map((name) => {
          if (!(SECTIONS as readonly string[]).includes(name)) throw new UsageError(`Unknown section "${name}" (expected ${SECTIONS.join(', ')}).`);
          return name as Section;
        }),
    );
    const quick = values.quick ?? false;
    const plan = quick ? QUICK : FULL;
    const started = performance.now();
    const startedAt = new Date().toISOString();

    const config = loadConfig('core');
    const cacheDir = config.embeddings.provider === 'local' ? config.embeddings.cacheDir : path.join(ROOT, 'data/cache');
    let converting = 0;
    const embeddings = await createEmbeddings({ provider: 'local', cacheDir }, (fraction) => {
      if (fraction === 0) {
        converting = performance.now();
        progress('converting the GloVe word vectors once (about 10 s, ~200 MB of memory)');
      } else if (fraction === 1) progress(`converted the word vectors in ${((performance.now() - converting) / 1000).toFixed(1)} s`);
    });
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-'));
    try {
      const storyIndex = path.join(work, 'story-index');
      await buildIndex({ corpusDir: STORY_CORPUS, indexDir: storyIndex, embeddings });
      const devQuestions = parseQuestions(await readFile(DEV_QUESTIONS, 'utf8'));
      const paraphraseQuestions = parseQuestions(await readFile(PARAPHRASE_QUESTIONS, 'utf8')).filter((question) => question.kind !== 'metadata');
      const context: Context = { plan, work, cacheDir, embeddings, storyIndex, devQuestions, paraphraseQuestions };

      const cpus = os.cpus();
      const results: BenchResults = {
        meta: {
          mode: quick ? 'quick' : 'full',
          startedAt,
          seconds: 0,
          node: process.version,
          platform: `${process.platform} ${process.arch}`,
          cpus: cpus.length,
          cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
          sections: [...sections],
        },
        targets: [],
      };
      if (sections.has('story')) results.story = await benchStory(context);
      if (sections.has('latency')) results.latency = await benchLatency(context);
      const speeches = sections.has('scale') || sections.has('growth') || sections.has('live-reindex') ? loadSpeeches() : [];
      if (sections.has('scale')) results.scale = await benchScale(context, speeches);
      if (sections.has('growth')) results.growth = await benchGrowth(context, speeches, results.scale);
      if (sections.has('live-reindex')) results.liveReindex = await benchLiveReindex(context, speeches);
      results.targets = judgeTargets(results, quick);
      results.meta.seconds = (performance.now() - started) / 1000;

      if (values.json !== undefined) {
        await mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
        await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
      }
      process.stdout.write(`${formatReport(results)}\n`);
      progress(`done in ${results.meta.seconds.toFixed(0)} s`);
      return EXIT.ok;
    } finally {
      if (values.keep) progress(`kept ${work}`);
      else await rm(work, { recursive: true, force: true });
    }
  });
}

runAsProgram(import.meta.url, main);
