import { describe, expect, it } from 'vitest';
import { INDEX_FORMAT_VERSION, manifestProblem } from '../../../src/core/index/manifest.js';

const VALID = {
  formatVersion: INDEX_FORMAT_VERSION,
  embeddings: { provider: 'local', model: 'm', dimensions: 100 },
  hnsw: { m: 16, efConstruction: 200, efSearch: 64 },
  builtAt: '2025-01-01T00:00:00.000Z',
  buildSeconds: 0.1,
  documents: [],
  chunkCount: 0,
  sentenceCount: 0,
  skipped: [],
  files: {},
  blocks: {},
};

describe('manifestProblem', () => {
  it('accepts a well-formed manifest', () => {
    expect(manifestProblem(VALID)).toBeUndefined();
  });

  it('names what is wrong with a malformed one', () => {
    expect(manifestProblem(null)).toMatch(/not a JSON object/);
    expect(manifestProblem([VALID])).toMatch(/not a JSON object/);
    expect(manifestProblem({ ...VALID, formatVersion: INDEX_FORMAT_VERSION + 1 })).toMatch(/format version/);
    expect(manifestProblem({ ...VALID, embeddings: { provider: 'local', model: 'm' } })).toMatch(/embeddings/);
    expect(manifestProblem({ ...VALID, hnsw: undefined })).toMatch(/graph/);
    expect(manifestProblem({ ...VALID, hnsw: { m: 16, efConstruction: 200, efSearch: 0 } })).toMatch(/graph/);
    expect(manifestProblem({ ...VALID, files: [] })).toMatch(/incomplete/);
    expect(manifestProblem({ ...VALID, documents: undefined })).toMatch(/incomplete/);
    expect(manifestProblem({ ...VALID, builtAt: 5 })).toMatch(/incomplete/);
  });
});
