import type { CorpusIndex } from '../index/corpus-index.js';
import type { SegmentedDocument } from '../index/segment.js';
import type { AskedWord } from './question.js';
import type { DocumentReference } from './types.js';

/** What a question about the articles themselves asks for. */
export type MetadataTopic = 'date' | 'source' | 'author' | 'list';

// A question about the articles names them ("this article", "the story", "your sources")…
const ARTICLE = String.raw`(?:articles?|stor(?:y|ies)|pieces?|reports?|texts?|documents?|speech(?:es)?|address(?:es)?|news|corpus|sources?)`;
const THIS_ARTICLE = String.raw`\b(?:this|that|the|these|those|your|ur|its?)\s+(?:\w+\s+)?${ARTICLE}\b`;
// …or end on a bare "this" ("who wrote this?").
const THIS = String.raw`(?:${THIS_ARTICLE}|\bthis(?=\s*[?.!]*\s*$))`;

/** Each topic's wording, tried in order; a pattern must refer to the articles themselves. */
const TOPIC_PATTERNS: readonly [MetadataTopic, string][] = [
  [
    'date',
    String.raw`\bwhen\s+(?:did|was|were)\s+(?:this|it|${THIS_ARTICLE})\s+(?:come\s+out|published|released|written|posted)\b|\b(?:when|what\s+(?:date|day|year))\b.*\b(?:published|posted|dated)\b|\b(?:when|what\s+(?:date|day|year))\b.*${THIS_ARTICLE}.*\b(?:written|delivered|given|made|from|released|out)\b|\b(?:date|publication\s+date)\s+(?:of|on)\s+${THIS_ARTICLE}|how\s+(?:old|recent)\s+is\s+${THIS_ARTICLE}`,
  ],
  [
    'author',
    String.raw`\bwho\s+(?:wrote|writes|authored|penned|gave|delivered)\b.*${THIS}|\bauthor\s+of\s+${THIS_ARTICLE}|${THIS_ARTICLE}.*\bwritten\s+by\b|\bwho(?:'s|\s+is)\s+the\s+(?:author|writer)\b`,
  ],
  [
    'source',
    String.raw`\b(?:source|publisher|outlet|newspaper|paper|publication)\s+(?:for|of|behind)\s+${THIS_ARTICLE}|\bwho\s+(?:published|reported|ran|put\s+out)\s+${THIS}|\b(?:what|which)\s+(?:outlet|newspaper|paper|publication|publisher|site|website)\s+(?:is|was)\s+(?:this|it)\b|\b(?:link|url)\b.*${THIS}|\bwhere\s+(?:does|did|is)\s+${THIS_ARTICLE}\s+(?:come|from)|\bwhere\s+(?:do|did)\s+you\s+get\b|\bwhat(?:'s|\s+is|\s+are)\s+(?:your|ur)\s+sources?\b|\bwhat(?:'s|\s+is)\s+the\s+source\s*\??$`,
  ],
  [
    'list',
    String.raw`\b(?:what|which|how\s+many)\s+(?:\w+\s+)?${ARTICLE}\b.*\b(?:you|your|ur)\b|\bwhat\s+(?:do|can)\s+you\s+(?:know|cover|quote|answer)\b|\blist\s+(?:your|the|all)\s+(?:articles|documents|stories|sources)\b`,
  ],
];

/**
 * For each topic, a small pattern that every text its full pattern matches also matches: for
 * each alternative of the full pattern, a part of it that any match of that alternative
 * contains (its start, or a later run of literal words). Compiling the four full patterns took
 * 20–50 ms of a cold `ask`'s first question, most of which ask about the articles' content and
 * fail these at once; the full pattern is compiled only for a text that passes.
 */
const TOPIC_PREFILTERS: Readonly<Record<MetadataTopic, string>> = {
  date: String.raw`\bwhen\s+(?:did|was|were)\s|\b(?:when|what\s+(?:date|day|year))\b|\b(?:date|publication\s+date)\s+(?:of|on)\s|how\s+(?:old|recent)\s+is\s`,
  author: String.raw`\bwho\s+(?:wrote|writes|authored|penned|gave|delivered)\b|\bauthor\s+of\s|\bwritten\s+by\b|\bwho(?:'s|\s+is)\s+the\s+(?:author|writer)\b`,
  source: String.raw`\b(?:source|publisher|outlet|newspaper|paper|publication)\s+(?:for|of|behind)\s|\bwho\s+(?:published|reported|ran|put\s+out)\s|\b(?:what|which)\s+(?:outlet|newspaper|paper|publication|publisher|site|website)\s|\b(?:link|url)\b|\bwhere\s+(?:does|did|is|do)\s|\bwhat(?:'s|\s+is|\s+are)\s`,
  list: String.raw`\b(?:what|which|how\s+many)\s|\blist\s+(?:your|the|all)\s`,
};

interface Topic {
  readonly topic: MetadataTopic;
  readonly prefilter: RegExp;
  readonly source: string;
  pattern?: RegExp;
}

const TOPICS: readonly Topic[] = TOPIC_PATTERNS.map(([topic, source]) => ({ topic, source, prefilter: new RegExp(TOPIC_PREFILTERS[topic], 'iu') }));

/** A topic's full pattern, compiled when first needed. */
function patternOf(topic: Topic): RegExp {
  return (topic.pattern ??= new RegExp(topic.source, 'iu'));
}

/** The topics' full patterns, compiled (for the tests, which check that the prefilters let through all they match). */
export function topicPatterns(): readonly [MetadataTopic, RegExp, RegExp][] {
  return TOPICS.map((topic) => [topic.topic, patternOf(topic), topic.prefilter]);
}

/** The topic a question about the articles themselves asks for, or `undefined` for a question about their content. */
export function metadataTopic(text: string): MetadataTopic | undefined {
  return TOPICS.find((topic) => topic.prefilter.test(text) && patternOf(topic).test(text))?.topic;
}

/** How a document is cited when its metadata answers. */
export function referenceOf(segmented: SegmentedDocument, n: number): DocumentReference {
  const { document } = segmented;
  const reference: DocumentReference = { n, source: document.source, title: document.title };
  if (document.date !== undefined) reference.date = document.date;
  if (document.author !== undefined) reference.author = document.author;
  if (document.publisher !== undefined) reference.publisher = document.publisher;
  if (document.url !== undefined) reference.url = document.url;
  return reference;
}

/**
 * The documents a question about the articles is about: those naming all of its key words
 * ("when was the Lincoln speech given?"), or, when it names nothing (or nothing matches), all of them.
 */
export function documentsAskedAbout(index: CorpusIndex, words: AskedWord[]): SegmentedDocument[] {
  const keys = words.filter((word) => word.key);
  if (keys.length === 0) return index.documents;
  const { lexicon } = index;
  // The documents naming each key word, in their metadata or in a sentence: one pass over its postings.
  const docsNaming = keys.map((key) => {
    const docs = new Set(Array.from(lexicon.sentencesWith(key.term), (id) => lexicon.ref(id).doc));
    lexicon.documentWords.forEach((words, doc) => {
      if (words.some((word) => word.term === key.term)) docs.add(doc);
    });
    return docs;
  });
  const named = index.documents.filter((_, doc) => docsNaming.every((docs) => docs.has(doc)));
  return named.length > 0 ? named : index.documents;
}
