import { stemmer } from 'stemmer';

/** A word of a text with its position, as written (apostrophes normalised to `'`). */
export interface Token {
  text: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*\.?/gu;

/**
 * Words of a text, keeping internal apostrophes, hyphens and dots together
 * ("Russia’s", "long-range", "U.S.") so that word vectors can be looked up whole.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(WORD)) {
    let word = match[0];
    // A trailing dot belongs to the word only in dotted acronyms ("U.S."), not at a sentence end.
    if (word.endsWith('.') && !/\.[\p{L}\p{N}]+\.$/u.test(word)) word = word.slice(0, -1);
    // Most words have no curly apostrophe: a regular expression run on each cost a cold `ask` milliseconds.
    tokens.push({ text: word.includes('’') ? word.replaceAll('’', "'") : word, start: match.index, end: match.index + word.length });
  }
  return tokens;
}

/**
 * Function words that carry no topic: left out of lexical matching, of the key terms a
 * question must share with the corpus, and of the weighted mean of word vectors.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being below " +
    "between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each " +
    "few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself " +
    "him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most " +
    "mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she " +
    "she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there " +
    "there's these they they'd they'll they're they've this those through to too under until up very was wasn't we " +
    "we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom why " +
    "why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves also just " +
    'will shall may might must s me please anything something whether yes ' +
    // Verbs of reporting and filler that questions are phrased with, not what they are about.
    'say says said saying tell tells told telling go goes going went get got happen happened happens know think mean'
  ).split(' '),
);

/** Lower case, without possessive `'s` and without dots ("U.S." → "us"), for matching. */
export function normalizeWord(word: string): string {
  // String tests first: most words have neither, and they cost less than two regular expressions run on every word.
  const lower = word.toLowerCase();
  const bare = lower.endsWith("'s") ? lower.slice(0, -2) : lower;
  return bare.includes('.') ? bare.replaceAll('.', '') : bare;
}

/** Irregular English verb forms → their base form, which stemming alone cannot reach ("sent" → "send"). */
const IRREGULAR: ReadonlyMap<string, string> = new Map(
  (
    'sent:send took:take taken:take made:make held:hold met:meet left:leave lost:lose won:win bought:buy brought:bring ' +
    'thought:think sought:seek paid:pay kept:keep began:begin begun:begin gave:give given:give chose:choose chosen:choose ' +
    'fought:fight fell:fall fallen:fall rose:rise risen:rise spoke:speak spoken:speak wrote:write written:write ran:run ' +
    'drew:draw drawn:draw grew:grow grown:grow knew:know known:know threw:throw thrown:throw broke:break broken:break ' +
    'struck:strike stood:stand understood:understand led:lead fled:flee spent:spend built:build felt:feel found:find ' +
    'heard:hear meant:mean sold:sell taught:teach caught:catch hit:hit cut:cut shut:shut quit:quit withdrew:withdraw ' +
    'withdrawn:withdraw swung:swing sang:sing sung:sing saw:see seen:see became:become came:come forgot:forget ' +
    'forgotten:forget hid:hide hidden:hide sank:sink shot:shoot slept:sleep stole:steal stolen:steal swore:swear ' +
    'sworn:swear woke:wake wore:wear worn:wear overtook:overtake undertook:undertake'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/**
 * Words whose {@link termOf} is remembered: a build asks for the same few hundred thousand words
 * millions of times, and stemming is most of the cost of tokenizing. Forgotten all at once past
 * this many, so that a long-running process holds a bounded memo.
 */
const MAX_REMEMBERED_TERMS = 1 << 20;
const rememberedTerms = new Map<string, string | undefined>();

/**
 * The lexical form of a word: normalised, irregular verbs brought to their base, and
 * Porter-stemmed, so "cancelled", "cancellation" and "cancel" meet, and "sent" meets "send".
 * Returns `undefined` for stop words.
 */
export function termOf(word: string): string | undefined {
  const remembered = rememberedTerms.get(word);
  if (remembered !== undefined || rememberedTerms.has(word)) return remembered;
  if (rememberedTerms.size >= MAX_REMEMBERED_TERMS) rememberedTerms.clear();
  const term = lexicalForm(word);
  rememberedTerms.set(word, term);
  return term;
}

function lexicalForm(word: string): string | undefined {
  const normal = normalizeWord(word);
  if (normal.length === 0 || STOPWORDS.has(normal) || STOPWORDS.has(word.toLowerCase())) return undefined;
  return /^\p{N}+$/u.test(normal) ? normal : stemmer(IRREGULAR.get(normal) ?? normal);
}

/** The distinct content terms of a text, in order of first appearance. */
export function termsOf(text: string): string[] {
  const seen = new Set<string>();
  for (const token of tokenize(text)) {
    const term = termOf(token.text);
    if (term !== undefined) seen.add(term);
  }
  return [...seen];
}
