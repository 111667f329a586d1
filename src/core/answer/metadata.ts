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
const TOPICS: readonly [MetadataTopic, RegExp][] = [
  ['date', new RegExp(String.raw`\bwhen\s+(?:did|was|were)\s+(?:this|it|${THIS_ARTICLE})\s+(?:come\s+out|published|released|written|posted)\b|\b(?:when|what\s+(?:date|day|year))\b.*\b(?:published|posted|dated)\b|\b(?:when|what\s+(?:date|day|year))\b.*${THIS_ARTICLE}.*\b(?:written|delivered|given|made|from|released|out)\b|\b(?:date|publication\s+date)\s+(?:of|on)\s+${THIS_ARTICLE}|how\s+(?:old|recent)\s+is\s+${THIS_ARTICLE}`, 'iu')],
  ['author', new RegExp(String.raw`\bwho\s+(?:wrote|writes|authored|penned|gave|delivered)\b.*${THIS}|\bauthor\s+of\s+${THIS_ARTICLE}|${THIS_ARTICLE}.*\bwritten\s+by\b|\bwho(?:'s|\s+is)\s+the\s+(?:author|writer)\b`, 'iu')],
  ['source', new RegExp(String.raw`\b(?:source|publisher|outlet|newspaper|paper|publication)\s+(?:for|of|behind)\s+${THIS_ARTICLE}|\bwho\s+(?:published|reported|ran|put\s+out)\s+${THIS}|\b(?:what|which)\s+(?:outlet|newspaper|paper|publication|publisher|site|website)\s+(?:is|was)\s+(?:this|it)\b|\b(?:link|url)\b.*${THIS}|\bwhere\s+(?:does|did|is)\s+${THIS_ARTICLE}\s+(?:come|from)|\bwhere\s+(?:do|did)\s+you\s+get\b|\bwhat(?:'s|\s+is|\s+are)\s+(?:your|ur)\s+sources?\b|\bwhat(?:'s|\s+is)\s+the\s+source\s*\??$`, 'iu')],
  ['list', new RegExp(String.raw`\b(?:what|which|how\s+many)\s+(?:\w+\s+)?${ARTICLE}\b.*\b(?:you|your|ur)\b|\bwhat\s+(?:do|can)\s+you\s+(?:know|cover|quote|answer)\b|\blist\s+(?:your|the|all)\s+(?:articles|documents|stories|sources)\b`, 'iu')],
];

/** The topic a question about the articles themselves asks for, or `undefined` for a question about their content. */
export function metadataTopic(text: string): MetadataTopic | undefined {
  return TOPICS.find(([, pattern]) => pattern.test(text))?.[0];
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
