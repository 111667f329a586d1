import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Answerer } from '../../../../src/core/answer/answerer.js';
import { isVerbatim } from '../../../../src/core/answer/verify.js';
import { EmbeddingsError, IndexMismatchError } from '../../../../src/core/errors.js';
import { buildIndex } from '../../../../src/core/index/build.js';
import { loadIndex } from '../../../../src/core/index/corpus-index.js';
import { OpenAICompatibleEmbeddings } from '../../../../src/core/index/embeddings/openai.js';
import { ARTICLE_PATH, CORPUS_DIR, GLOVE_TIMEOUT, hashedVector, loadGlove, makeTempDir, removeTempDirs } from '../../../helpers/core.js';
import { DIMENSIONS, inputOf, startEmbeddingsServer, type EmbeddingsServer } from '../../../helpers/embeddings-server.js';

const API_KEY = 'sk-test-0123456789abcdefSECRET';
const MODEL = 'test-embedding-model';

let server: EmbeddingsServer;

beforeAll(async () => {
  server = await startEmbeddingsServer();
});

afterEach(() => {
  server.requests.length = 0;
});

afterAll(async () => {
  await server.close();
  await removeTempDirs();
});

function client(options: Partial<ConstructorParameters<typeof OpenAICompatibleEmbeddings>[0]> = {}): OpenAICompatibleEmbeddings {
  return new OpenAICompatibleEmbeddings({ baseUrl: server.baseUrl, model: MODEL, maxRetries: 0, ...options });
}

async function embedError(embeddings: OpenAICompatibleEmbeddings, texts: string[] = ['one', 'two']): Promise<unknown> {
  return embeddings.embedDocuments(texts).then(
    () => new Error('the request succeeded'),
    (error: unknown) => error,
  );
}

describe('OpenAICompatibleEmbeddings requests', () => {
  it('POSTs {model, input[]} as JSON to {baseUrl}/embeddings with a Bearer key', async () => {
    await client({ apiKey: API_KEY }).embedDocuments(['first text', 'second text']);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/embeddings');
    expect(request!.headers['content-type']).toMatch(/application\/json/);
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.body).toEqual({ model: MODEL, input: ['first text', 'second text'] });
  });

  it('sends no Authorization header without a key, and tolerates a trailing slash in the base URL', async () => {
    await client({ baseUrl: `${server.baseUrl}/` }).embedDocuments(['text']);
    expect(server.requests[0]!.url).toBe('/v1/embeddings');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('returns the vectors in input order, by each item’s `index` (the server lists them reversed)', async () => {
    const texts = ['copper prices', 'football match', 'heavy rain', 'the summit'];
    const embeddings = client();
    expect(embeddings.info).toEqual({ provider: 'openai', model: MODEL, dimensions: 0 });
    const vectors = await embeddings.embedDocuments(texts);
    expect(vectors).toEqual(texts.map((text) => hashedVector(text, DIMENSIONS)));
    // The dimensions are known once a reply came.
    expect(embeddings.info.dimensions).toBe(DIMENSIONS);
    expect(await embeddings.embedQuery('heavy rain')).toEqual(hashedVector('heavy rain', DIMENSIONS));
  });

  it('uses the position when items carry no index', async () => {
    server.queue({ status: 200, body: { data: [{ embedding: [1, 0] }, { embedding: [0, 1] }] } });
    expect(await client().embedDocuments(['a', 'b'])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('batches: batchSize 2 with 5 texts makes 3 requests, and keeps the order', async () => {
    const texts = ['t0', 't1', 't2', 't3', 't4'];
    const vectors = await client({ batchSize: 2 }).embedDocuments(texts);
    expect(server.requests.map((request) => inputOf(request.body))).toEqual([['t0', 't1'], ['t2', 't3'], ['t4']]);
    expect(vectors).toEqual(texts.map((text) => hashedVector(text, DIMENSIONS)));
  });

  it('makes no request for no texts', async () => {
    expect(await client().embedDocuments([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAICompatibleEmbeddings failures', () => {
  it('401 → EmbeddingsError at once, without retrying, and without the API key in the message', async () => {
    server.queue({ status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } } });
    const error = await embedError(client({ apiKey: API_KEY, maxRetries: 3 }));
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect(server.requests).toHaveLength(1);
    const message = (error as Error).message;
    expect(message).toMatch(/401/);
    expect(message).not.toContain(API_KEY);
    expect(message).not.toContain('SECRET');
    expect(JSON.stringify(error)).not.toContain(API_KEY);
  });

  it('an error reply that echoes the key does not carry it into the message', async () => {
    server.queue({ status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}` } } });
    expect(((await embedError(client({ apiKey: API_KEY, maxRetries: 0 }))) as Error).message).not.toContain(API_KEY);
    server.queue({ status: 400, body: { error: { message: `bad request for key ${API_KEY}` } } });
    const message = ((await embedError(client({ apiKey: API_KEY, maxRetries: 0 }))) as Error).message;
    expect(message).not.toContain(API_KEY);
    expect(message).toContain('[redacted]');
  });

  it('400 → EmbeddingsError without retrying', async () => {
    server.queue({ status: 400, body: { error: { message: 'input too long' } } });
    const error = await embedError(client({ maxRetries: 3 }));
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toMatch(/400/);
    expect(server.requests).toHaveLength(1);
  });

  it('500 then 200 → retried after a 1–2 s back-off, and succeeds (maxRetries 1)', async () => {
    server.queue({ status: 500, body: 'internal error' });
    // Only setTimeout is faked: the back-off is waited on fake time, the HTTP exchange runs for real.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const embedding = client({ maxRetries: 1 }).embedDocuments(['retry me']);
      // Not vi.waitFor: with fake timers it advances them at every check, which could start the
      // back-off's clock early when the failed answer is in before the check sees the request.
      while (server.requests.length < 1) await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(990);
      expect(server.requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1020);
      const vectors = await embedding;
      expect(vectors).toEqual([hashedVector('retry me', DIMENSIONS)]);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1]!.body).toEqual(server.requests[0]!.body);
    } finally {
      vi.useRealTimers();
    }
  });

  it('500 → EmbeddingsError when retries are exhausted (maxRetries 0)', async () => {
    server.queue({ status: 503, body: 'unavailable' });
    const error = await embedError(client({ maxRetries: 0 }));
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toMatch(/503/);
    expect(server.requests).toHaveLength(1);
  });

  it('malformed JSON → EmbeddingsError', async () => {
    server.queue({ status: 200, body: '{"data": [ not json' });
    const error = await embedError(client());
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toMatch(/malformed/);
  });

  const malformed: [string, object][] = [
    ['no data', { object: 'list' }],
    ['too few vectors', { data: [{ index: 0, embedding: [1, 2] }] }],
    [
      'a vector that is not numbers',
      {
        data: [
          { index: 0, embedding: [1, 2] },
          { index: 1, embedding: ['a', 'b'] },
        ],
      },
    ],
    [
      'two vectors at the same index',
      {
        data: [
          { index: 0, embedding: [1, 2] },
          { index: 0, embedding: [3, 4] },
        ],
      },
    ],
  ];
  for (const [what, body] of malformed) {
    it(`a reply with ${what} → EmbeddingsError`, async () => {
      server.queue({ status: 200, body });
      expect(await embedError(client())).toBeInstanceOf(EmbeddingsError);
    });
  }

  it('vectors of different lengths → EmbeddingsError', async () => {
    server.queue({
      status: 200,
      body: {
        data: [
          { index: 0, embedding: [1, 2, 3] },
          { index: 1, embedding: [1, 2] },
        ],
      },
    });
    const error = await embedError(client());
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toMatch(/different lengths/);
  });

  it('a server that never answers → EmbeddingsError after the timeout', async () => {
    server.queue('hang');
    const started = performance.now();
    const error = await embedError(client({ timeoutMs: 300 }));
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('server down → EmbeddingsError', async () => {
    const down = await startEmbeddingsServer();
    const baseUrl = down.baseUrl;
    await down.close();
    const error = await embedError(new OpenAICompatibleEmbeddings({ baseUrl, model: MODEL, maxRetries: 0, apiKey: API_KEY }));
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toContain(baseUrl);
    expect((error as Error).message).not.toContain(API_KEY);
  });
});

describe('an OPENAI_BASE_URL with a user name and password', () => {
  const PASSWORD = 'gateway-password-0123';
  const withCredentials = () => server.baseUrl.replace('http://', `http://gateway-user:${PASSWORD}@`);

  it('sends them as HTTP Basic authentication to the URL without them (fetch refuses such a URL)', async () => {
    await client({ baseUrl: withCredentials() }).embedDocuments(['text']);
    expect(server.requests[0]!.url).toBe('/v1/embeddings');
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`gateway-user:${PASSWORD}`).toString('base64')}`);
  });

  it('never shows them in an error: the endpoint is named with *** instead, a password echoed by the server is redacted', async () => {
    server.queue({ status: 400, body: { error: { message: `bad request from gateway-user:${PASSWORD}` } } });
    const rejected = ((await embedError(client({ baseUrl: withCredentials() }))) as Error).message;
    expect(rejected).toContain(`${server.baseUrl.replace('http://', 'http://***@')}/embeddings answered 400`);
    server.queue({ status: 401, body: 'no' });
    expect(((await embedError(client({ baseUrl: withCredentials() }))) as Error).message).toMatch(
      /answered 401 Unauthorized: check the user name and password in OPENAI_BASE_URL/,
    );
    const down = await startEmbeddingsServer();
    await down.close();
    const unreachable = ((await embedError(client({ baseUrl: down.baseUrl.replace('http://', `http://gateway-user:${PASSWORD}@`) }))) as Error).message;
    expect(unreachable).toMatch(/^The embeddings endpoint failed: cannot reach http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/embeddings/);
    for (const message of [rejected, unreachable]) {
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain('gateway-user');
    }
  });
});

describe('an index built with an OpenAI-compatible endpoint', () => {
  it(
    'builds, answers verbatim, reloads with the same provider, and refuses GloVe',
    async () => {
      const indexDir = path.join(await makeTempDir('verbatim-openai-'), 'index');
      const embeddings = client({ apiKey: API_KEY, batchSize: 16 });
      const { index, report } = await buildIndex({ corpusDir: CORPUS_DIR, indexDir, embeddings });
      expect(report.documents).toBe(1);
      expect(index.manifest.embeddings).toEqual({ provider: 'openai', model: MODEL, dimensions: DIMENSIONS });
      expect(server.requests.length).toBeGreaterThan(0);
      for (const request of server.requests) {
        expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(inputOf(request.body).length).toBeLessThanOrEqual(16);
      }

      const answer = await new Answerer(index, embeddings).ask('What did Trump call the meeting?');
      expect(answer.abstained).toBe(false);
      expect(answer.citations.some((citation) => citation.quote.includes('wasted meeting'))).toBe(true);
      for (const citation of answer.citations) {
        expect(index.documents[0]!.document.body.slice(citation.start, citation.end)).toBe(citation.quote);
        expect(isVerbatim(readFileSync(ARTICLE_PATH), citation)).toBe(true);
      }
      expect((await new Answerer(index, embeddings).ask('Who wrote Pride and Prejudice?')).abstained).toBe(true);

      // A fresh client (dimensions not yet known) loads it and answers the same.
      const reopened = client({ apiKey: API_KEY });
      const loaded = await loadIndex(indexDir, reopened);
      expect(await new Answerer(loaded, reopened).ask('What did Trump call the meeting?')).toEqual(answer);

      const glove = await loadGlove();
      const mismatch = await loadIndex(indexDir, glove).catch((error: unknown) => error);
      expect(mismatch).toBeInstanceOf(IndexMismatchError);
      expect((mismatch as Error).message).toContain(`openai:${MODEL}`);
      expect(mismatch).toMatchObject({ remedy: 'reindex' });
      await expect(loadIndex(indexDir, client({ model: 'another-model' }))).rejects.toBeInstanceOf(IndexMismatchError);
    },
    GLOVE_TIMEOUT,
  );

  it('the build fails with EmbeddingsError, saving nothing, when the endpoint fails', async () => {
    const indexDir = path.join(await makeTempDir('verbatim-openai-'), 'index');
    server.queue({ status: 401, body: 'no' });
    await expect(buildIndex({ corpusDir: CORPUS_DIR, indexDir, embeddings: client({ apiKey: API_KEY }) })).rejects.toBeInstanceOf(EmbeddingsError);
    await expect(loadIndex(indexDir, client())).rejects.toMatchObject({ name: 'IndexNotFoundError' });
  });
});
