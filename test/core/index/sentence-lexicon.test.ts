import { describe, expect, it } from 'vitest';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { segmentDocument } from '../../../src/core/index/segment.js';
import { SentenceLexicon } from '../../../src/core/index/sentence-lexicon.js';

function segmented(source: string, body: string) {
  const document: CorpusDocument = { source, title: `Report on ${source}`, body, hash: body, headings: [] };
  return segmentDocument(document);
}

const bytes = (lexicon: SentenceLexicon) => Buffer.from(lexicon.toBinary());

describe('SentenceLexicon.build with an update', () => {
  const copper = segmented('copper', 'Copper traders in Lima expect change. The Copper Board met on Monday.');
  const wheat = segmented('wheat', 'Wheat prices rose in Kansas. Farmers in Kansas sold early.');
  const zinc = segmented('zinc', 'Zinc smelters in Ghent paused. Ghent is quiet.');

  it('gives the bytes of a full build when documents changed, were removed and were added', async () => {
    const previous = SentenceLexicon.of([copper, wheat, zinc]);
    const newWheat = segmented('wheat', 'Wheat prices fell in Kansas. Nobody in Topeka sold.');
    const nickel = segmented('nickel', 'Nickel miners in Sudbury struck. Sudbury Nickel shares fell.');
    const documents = [copper, newWheat, nickel];
    const updated = await SentenceLexicon.build(documents, { previous, positions: [0, -1, -1], removed: [wheat, zinc] });
    expect(bytes(updated)).toEqual(bytes(SentenceLexicon.of(documents)));
    // Words only the removed documents held are gone, as a full build never meets them.
    expect(updated.has('ghent')).toBe(false);
    expect(updated.isName('ghent')).toBe(false);
    expect(updated.isName('kansas')).toBe(true);
  });

  it("copies an unchanged document's words from the previous lexicon instead of tokenizing it again", async () => {
    // A previous lexicon made from other text at the same positions: what is copied shows.
    const previous = SentenceLexicon.of([segmented('copper', 'Tin dealers in Oslo expect change. The Tin Board met on Monday.'), wheat]);
    const updated = await SentenceLexicon.build([copper, wheat], { previous, positions: [0, 1], removed: [] });
    expect(updated.wordsOf(0).map((word) => word.word)).toEqual(['tin', 'dealers', 'oslo', 'expect', 'change']);
  });
});
