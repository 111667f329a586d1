/**
 * How the HNSW parameters trade build time for recall, to choose `DEFAULT_HNSW` (hnsw-store.ts) by
 * measurement: for each graph degree M and construction list efConstruction, the time to
 * insert every chunk vector of a corpus, then, for each search list efSearch, recall@20
 * against exact cosine search (brute force over the same vectors) and the time per query.
 * Queries are the embeddings of the bench's State of the Union questions and of sentences
 * drawn (seeded) from the corpus, as the answerer embeds questions and evidence alike.
 *
 *     node dist-dev/bench/hnsw-params.js --corpus DIR [--queries 200] [--m 12,16] [--ef-construction 64,100,200] [--ef-search 64,128]
 *
 * A separate program from `npm run bench`: it builds one graph per pair, minutes at 10×.
 */
import hnswlib from 'hnswlib-node';
import { loadConfig } from '../src/config/config.js';
import { EXIT, openEmbeddings, parseFlags, runAsProgram, runCommand, UsageError } from '../src/cli/run.js';
import { loadCorpus } from '../src/core/corpus/loader.js';
import { chunkSearchText, segmentDocument } from '../src/core/index/segment.js';
import { SOTU_QUESTIONS } from './questions.js';
import { seededRandom, shuffled } from './stats.js';

const USAGE = `Usage: node dist-dev/bench/hnsw-params.js --corpus DIR [--queries N] [--m LIST] [--ef-construction LIST] [--ef-search LIST]

Build time and recall@20 (against exact cosine search) of the chunk graph for each pair of
HNSW parameters; LIST is comma-separated numbers.`;

const { HierarchicalNSW } = hnswlib;

/** The k of recall@k: the answerer takes this many chunks from the graph. */
const K = 20;

/** Unit rows of `dimensions` floats, packed. */
interface UnitRows {
  rows: Float32Array;
  dimensions: number;
  count: number;
}

function unitRows(vectors: number[][], dimensions: number): UnitRows {
  const rows = new Float32Array(vectors.length * dimensions);
  vectors.forEach((vector, row) => {
    const norm = Math.hypot(...vector) || 1;
    for (let d = 0; d < dimensions; d++) rows[row * dimensions + d] = vector[d]! / norm;
  });
  return { rows, dimensions, count: vectors.length };
}

/** The labels of the `k` rows most similar to `query` by cosine: the truth recall is counted against. */
function exactTopK(chunks: UnitRows, query: Float32Array, k: number): Set<number> {
  const { rows, dimensions, count } = chunks;
  const best: { label: number; score: number }[] = [];
  for (let label = 0; label < count; label++) {
    let score = 0;
    const base = label * dimensions;
    for (let d = 0; d < dimensions; d++) score += rows[base + d]! * query[d]!;
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length === k ? k - 1 : best.length;
    best[at] = { label, score };
    while (at > 0 && best[at - 1]!.score < score) {
      [best[at - 1], best[at]] = [best[at]!, best[at - 1]!];
      at--;
    }
  }
  return new Set(best.map(({ label }) => label));
}

function numbers(list: string | undefined, fallback: number[]): number[] {
  if (list === undefined) return fallback;
  const values = list.split(',').map(Number);
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) throw new UsageError(`Not a list of positive whole numbers: ${list}`);
  return values;
}

export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      m: { type: 'string' },
      'ef-construction': { type: 'string' },
      'ef-search': { type: 'string' },
    });
    if (values.corpus === undefined) throw new UsageError('--corpus DIR is required');
    const queryCount = numbers(values.queries, [200])[0]!;
    const ms = numbers(values.m, [12, 16]);
    const efConstructions = numbers(values['ef-construction'], [64, 100, 200]);
    const efSearches = numbers(values['ef-search'], [64, 128]);

    const embeddings = await openEmbeddings(loadConfig('core'));
    const { documents } = await loadCorpus(values.corpus);
    const segmented = documents.map((document) => segmentDocument(document));
    const chunkTexts = segmented.flatMap((doc) => doc.chunks.map((chunk) => chunkSearchText(doc, chunk)));
    const dimensions = embeddings.info.dimensions;
    const chunks = unitRows(await embeddings.embedDocuments(chunkTexts), dimensions);
    const sentences = segmented.flatMap((doc) => doc.sentences.map((sentence) => doc.document.body.slice(sentence.start, sentence.end)));
    const queryTexts = [...SOTU_QUESTIONS, ...shuffled(sentences, seededRandom(10)).slice(0, Math.max(0, queryCount - SOTU_QUESTIONS.length))];
    const queries = unitRows(await embeddings.embedDocuments(queryTexts), dimensions);
    const queryAt = (q: number) => queries.rows.subarray(q * dimensions, (q + 1) * dimensions);
    const truth = Array.from({ length: queries.count }, (_, q) => exactTopK(chunks, queryAt(q), K));
    process.stdout.write(`${values.corpus}: ${chunks.count} chunks, ${queries.count} queries, recall@${K} against exact cosine search\n`);
    process.stdout.write('| M | efConstruction | insert s (CPU s) | efSearch | recall@20 | ms/query |\n|---|---|---|---|---|---|\n');

    for (const m of ms) {
      for (const efConstruction of efConstructions) {
        // As HnswVectorStore makes its graph: cosine space, seed 100, sized once for every chunk.
        const graph = new HierarchicalNSW('cosine', dimensions);
        graph.initIndex({ maxElements: chunks.count, m, efConstruction, randomSeed: 100 });
        // CPU time besides wall time: the figure that stays put on a machine others share.
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        for (let label = 0; label < chunks.count; label++)
          graph.addPoint(Array.from(chunks.rows.subarray(label * dimensions, (label + 1) * dimensions)), label);
        const insertSeconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuStarted);
        const insertCpuSeconds = (cpu.user + cpu.system) / 1e6;
        for (const efSearch of efSearches) {
          graph.setEf(Math.max(efSearch, K));
          let found = 0;
          const searchStarted = performance.now();
          for (let q = 0; q < queries.count; q++) {
            const { neighbors } = graph.searchKnn(Array.from(queryAt(q)), K);
            found += neighbors.filter((label) => truth[q]!.has(label)).length;
          }
          const msPerQuery = (performance.now() - searchStarted) / queries.count;
          const recall = found / (queries.count * K);
          process.stdout.write(
            `| ${m} | ${efConstruction} | ${insertSeconds.toFixed(1)} (${insertCpuSeconds.toFixed(1)}) | ${efSearch} | ${recall.toFixed(3)} | ${msPerQuery.toFixed(2)} |\n`,
          );
        }
      }
    }
    return EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
