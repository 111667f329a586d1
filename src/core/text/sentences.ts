/** A span of a document body: `body.slice(start, end)` is the text. */
export interface Span {
  start: number;
  end: number;
}

/** Words that end with a period without ending the sentence. Lower case, without the period. */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'gen',
  'lt',
  'col',
  'capt',
  'cmdr',
  'sgt',
  'adm',
  'gov',
  'sen',
  'rep',
  'pres',
  'rev',
  'hon',
  'amb',
  'sec',
  'dept',
  'inc',
  'ltd',
  'co',
  'corp',
  'bros',
  'no',
  'vs',
  'etc',
  'approx',
  'est',
  'fig',
  'vol',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'ave',
  'blvd',
  'rd',
  'cf',
  'al',
]);

const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);

/** No abbreviation or dotted acronym is longer: looking further back would make a long run of letters and dots quadratic. */
const MAX_ABBREVIATION_LENGTH = 24;

/**
 * Whether the period at `dot` ends an abbreviation rather than a sentence:
 * a known abbreviation ("Mr."), a dotted acronym ("U.S.", "e.g."), or a lone initial ("J.").
 */
function isAbbreviation(text: string, dot: number): boolean {
  let wordStart = dot;
  while (wordStart > 0 && /[\p{L}.]/u.test(text[wordStart - 1]!)) {
    if (dot - wordStart >= MAX_ABBREVIATION_LENGTH) return false;
    wordStart--;
  }
  const word = text.slice(wordStart, dot);
  if (word.length === 0) return false;
  if (word.includes('.')) return true; // "U.S", "e.g" before the final dot
  if (word.length === 1 && /\p{Lu}/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Splits one line of prose into sentence spans (offsets relative to the given `base`).
 * A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
 * white space and a capital, digit or opening quote — unless the period closes an abbreviation.
 */
function splitLine(line: string, base: number, spans: Span[]): void {
  let start = 0;
  const pushSpan = (from: number, to: number) => {
    while (from < to && /\s/.test(line[from]!)) from++;
    while (to > from && /\s/.test(line[to - 1]!)) to--;
    if (to > from) spans.push({ start: base + from, end: base + to });
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    let end = i + 1;
    while (end < line.length && (line[end] === '.' || line[end] === '!' || line[end] === '?')) end++;
    while (end < line.length && CLOSERS.has(line[end]!)) end++;
    // Every later mark of this run ("?!", "...") would reach the same `end` and the same verdict
    // below: skip them, or a long run of marks costs quadratic time.
    const runEnd = end - 1;
    if (end >= line.length || !/\s/.test(line[end]!)) {
      i = runEnd;
      continue;
    }
    let next = end;
    while (next < line.length && /\s/.test(line[next]!)) next++;
    if (next >= line.length || !/[\p{Lu}\p{N}"“‘'([]/u.test(line[next]!)) {
      i = runEnd;
      continue;
    }
    if (ch === '.' && end === i + 1 && isAbbreviation(line, i)) continue;
    pushSpan(start, end);
    start = end;
    i = end - 1;
  }
  pushSpan(start, line.length);
}

/**
 * Splits a text into sentence spans. Line breaks always end a sentence (headings, list
 * items and paragraphs are lines), so a span never crosses one.
 */
export function splitSentences(text: string, offset = 0, length = text.length - offset): Span[] {
  const spans: Span[] = [];
  const stop = offset + length;
  let lineStart = offset;
  while (lineStart < stop) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > stop) lineEnd = stop;
    splitLine(text.slice(lineStart, lineEnd), lineStart, spans);
    lineStart = lineEnd + 1;
  }
  return spans;
}
