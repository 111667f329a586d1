import { EmbeddingsError } from '../../errors.js';
import { createRedactor, urlCredentials, withoutCredentials, type Redactor } from '../../redact.js';
import { DescribedEmbeddings, type EmbeddingsInfo } from './provider.js';

export interface OpenAICompatibleOptions {
  /**
   * Base URL up to and including `/v1`, e.g. `https://api.openai.com/v1` or a local server's.
   * A user name and password in it (`https://user:password@gateway/v1`) are sent as HTTP Basic
   * authentication when there is no `apiKey`, and never shown.
   */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Texts per request. */
  batchSize?: number;
  /** Milliseconds before one request is abandoned. */
  timeoutMs?: number;
  maxRetries?: number;
}

interface EmbeddingsResponse {
  data?: { embedding?: unknown; index?: number }[];
}

/** Any status worth retrying: rate limits and server-side failures. */
class RetryableHttpError extends Error {}

/** The first retry waits 1–2 s, each next one twice as long (exponential backoff with jitter, as LangChain's `AsyncCaller` retried). */
const FIRST_RETRY_MS = 1000;

/** Calls `attempt` until it succeeds, retrying up to `retries` times while it fails with a {@link RetryableHttpError}. */
async function withRetries<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableHttpError) || failures >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.round((1 + Math.random()) * FIRST_RETRY_MS * 2 ** failures)));
    }
  }
}

/**
 * Embeddings from any OpenAI-compatible `POST {baseUrl}/embeddings` endpoint (OpenAI, Azure
 * gateways, Ollama, vLLM, LM Studio, llama.cpp server…). Optional: the default is offline.
 */
export class OpenAICompatibleEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo;
  /** Where requests go, without credentials (fetch refuses a URL that holds them). */
  private readonly endpoint: string;
  /** The endpoint as messages show it: credentials, if any, replaced by `***`. */
  private readonly shownEndpoint: string;
  private readonly authorization: string | undefined;
  /** Error bodies and network errors can echo the key or the password. */
  private readonly redact: Redactor;

  constructor(private readonly options: OpenAICompatibleOptions) {
    super();
    const base = new URL(options.baseUrl);
    const username = decodeURIComponent(base.username);
    const password = decodeURIComponent(base.password);
    base.username = '';
    base.password = '';
    this.endpoint = `${base.href.replace(/\/+$/, '')}/embeddings`;
    this.shownEndpoint = withoutCredentials(`${options.baseUrl.replace(/\/+$/, '')}/embeddings`);
    if (options.apiKey) this.authorization = `Bearer ${options.apiKey}`;
    else if (username || password) this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.info = { provider: 'openai', model: options.model, dimensions: 0 };
    this.redact = createRedactor([options.apiKey, ...urlCredentials(options.baseUrl)]);
  }

  private async request(input: string[]): Promise<number[][]> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new RetryableHttpError(`cannot reach ${this.shownEndpoint}: ${this.redact((error as Error).message)}`, { cause: error });
    }
    if (!response.ok) {
      // Error bodies can echo the key ("Incorrect API key provided: sk-…"): never pass one on for
      // an authentication failure, and scrub the key from any other.
      const authFailure = response.status === 401 || response.status === 403;
      const credentials = this.options.apiKey || !this.authorization ? 'OPENAI_API_KEY' : 'the user name and password in OPENAI_BASE_URL';
      const detail = authFailure ? `check ${credentials}` : this.redact((await response.text().catch(() => '')).slice(0, 200));
      const message = `${this.shownEndpoint} answered ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`;
      if (response.status === 429 || response.status >= 500) throw new RetryableHttpError(message);
      throw new EmbeddingsError(`The embeddings endpoint failed: ${message}`);
    }
    const body = (await response.json().catch(() => ({}))) as EmbeddingsResponse;
    const vectors: number[][] = [];
    for (const [position, item] of (body.data ?? []).entries()) {
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || !embedding.every((value) => typeof value === 'number')) break;
      vectors[item.index ?? position] = embedding;
    }
    if (vectors.length !== input.length || vectors.some((vector) => vector === undefined)) {
      throw new EmbeddingsError(`The embeddings endpoint ${this.shownEndpoint} returned a malformed reply (expected ${input.length} vectors).`);
    }
    return vectors;
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const batchSize = this.options.batchSize ?? 128;
    const vectors: number[][] = [];
    for (let start = 0; start < documents.length; start += batchSize) {
      const batch = documents.slice(start, start + batchSize);
      try {
        vectors.push(...(await withRetries(() => this.request(batch), this.options.maxRetries ?? 3)));
      } catch (error) {
        if (error instanceof EmbeddingsError) throw error;
        throw new EmbeddingsError(`The embeddings endpoint failed: ${(error as Error).message}`, { cause: error });
      }
    }
    const dimensions = vectors[0]?.length ?? 0;
    if (vectors.some((vector) => vector.length !== dimensions)) {
      throw new EmbeddingsError(`The embeddings endpoint ${this.shownEndpoint} returned vectors of different lengths.`);
    }
    this.info.dimensions ||= dimensions;
    return vectors;
  }

  override async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector!;
  }
}
