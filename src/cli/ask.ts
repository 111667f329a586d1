import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config/config.js';
import { ABSTENTION, TENTATIVE, type Answer, type Citation, type DocumentReference } from '../core/answer/types.js';
import { isVerbatimError } from '../core/errors.js';
import { describeError } from './errors.js';
import { sourceLine } from '../core/answer/source-line.js';
import { EXIT, openVerbatim, parseFlags, runAsProgram, runCommand, UsageError } from './run.js';

const USAGE = `Usage: npm run ask -- [--json] [--corpus DIR] [--index DIR] "question"
       npm run ask -- [--json] --batch FILE      (one question a line; FILE "-" reads stdin)

Answers a question by quoting the articles verbatim, with numbered sources.
--json prints one JSON object per question: {question, abstained, confidence, answer, citations[]}
(each citation: n, source, title, date, section, publisher, url, quote, start, end, score)
(confidence "high" or "low", absent when abstained; documents[] for questions about the articles).`;

/** The quotes in quotation marks with their `[n]` markers, one a line; a document per line; or the abstention sentence. */
export function answerText(answer: Answer): string {
  if (answer.abstained) return ABSTENTION;
  if (answer.documents !== undefined) return answer.documents.map(documentLine).join('\n');
  return answer.citations.map((citation) => `“${citation.quote}” [${citation.n}]`).join('\n');
}

/** A document cited for its metadata, on one line: what it records, then its file. */
function documentLine(reference: DocumentReference): string {
  const facts = [reference.title, reference.date, reference.author && `by ${reference.author}`, reference.publisher, reference.url].filter(Boolean);
  return `[${reference.n}] ${facts.join(' — ')} (${reference.source})`;
}

/** The JSON form of an answer: the documented schema, every citation field present (null when unknown). */
export function answerToJson(answer: Answer): object {
  return {
    question: answer.question,
    abstained: answer.abstained,
    ...(answer.confidence !== undefined ? { confidence: answer.confidence } : {}),
    answer: answerText(answer),
    ...(answer.documents !== undefined ? { documents: answer.documents.map(documentToJson) } : {}),
    citations: answer.citations.map((citation) => ({
      n: citation.n,
      source: citation.source,
      title: citation.title,
      date: citation.date ?? null,
      section: citation.section ?? null,
      publisher: citation.publisher ?? null,
      url: citation.url ?? null,
      quote: citation.quote,
      start: citation.start,
      end: citation.end,
      score: citation.score,
    })),
  };
}

/** A document cited for its metadata, every field present (null when the article does not record it). */
function documentToJson(reference: DocumentReference): object {
  return {
    n: reference.n,
    source: reference.source,
    title: reference.title,
    date: reference.date ?? null,
    author: reference.author ?? null,
    publisher: reference.publisher ?? null,
    url: reference.url ?? null,
  };
}

/** Source lines as the terminal shows them: every part as written (see {@link forTerminal}). */
const PLAIN = { title: (citation: Citation) => citation.title, label: (text: string) => text };

/** The readable form: the quotes (flagged when unsure), then the sources they cite. */
export function answerToText(answer: Answer): string {
  if (answer.abstained || answer.documents !== undefined) return `${answerText(answer)}\n`;
  const lead = answer.confidence === 'low' ? `${TENTATIVE}\n` : '';
  const sources = answer.citations.map((citation) => `${sourceLine(citation, PLAIN)} (${citation.source})`);
  return `${lead}${answerText(answer)}\n\nSources:\n${sources.join('\n')}\n`;
}

/**
 * Text for a terminal: control characters other than tab and newline removed, so that an
 * article holding ANSI or OSC escape sequences cannot recolour, retitle or rewrite the
 * terminal it is quoted to. (JSON output escapes them itself.)
 */
export function forTerminal(text: string): string {
  // ESC [ … final byte, and ESC ] … BEL/ST, are removed whole; any other control character alone.
  return text
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

async function readQuestions(file: string): Promise<string[]> {
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the batch file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `npm run ask` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parseFlags(
      args,
      {
        json: { type: 'boolean' },
        batch: { type: 'string' },
        corpus: { type: 'string' },
        index: { type: 'string' },
      },
      { positionals: true },
    );
    const question = positionals.join(' ').trim();
    if (values.batch !== undefined && question !== '') throw new UsageError('Give either a question or --batch FILE, not both.');
    if (values.batch === undefined && question === '') throw new UsageError('No question given.');
    const config = loadConfig('core', { CORPUS_DIR: values.corpus, INDEX_DIR: values.index });
    const questions = values.batch !== undefined ? await readQuestions(values.batch) : [question];
    const verbatim = await openVerbatim(config);
    let failed = false;
    for (const text of questions) {
      try {
        const answer = await verbatim.ask(text);
        const readable = `${questions.length > 1 ? `Q: ${answer.question}\n` : ''}${answerToText(answer)}${questions.length > 1 ? '\n' : ''}`;
        process.stdout.write(values.json ? `${JSON.stringify(answerToJson(answer))}\n` : process.stdout.isTTY ? forTerminal(readable) : readable);
      } catch (error) {
        // One bad line of a batch must not lose the answers to the others.
        if (!isVerbatimError(error) || questions.length === 1) throw error;
        failed = true;
        process.stdout.write(
          values.json ? `${JSON.stringify({ question: text, error: describeError(error) })}\n` : `Q: ${text}\nError: ${describeError(error)}\n\n`,
        );
      }
    }
    return failed ? EXIT.failure : EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
