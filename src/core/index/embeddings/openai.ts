import { EmbeddingsError } from '../../errors.js';
import { createRedactor, type Redactor } from '../../redact.js';
import { DescribedEmbeddings, type EmbeddingsInfo } from './provider.js';

export interface OpenAICompatibleOptions {
  /** Base URL up to and including `/v1`, e.g. `https://api.openai.com/v1` or a local server's. */
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

/**
 * Embeddings from any OpenAI-compatible `POST {baseUrl}/embeddings` endpoint (OpenAI, Azure
 * gateways, Ollama, vLLM, LM Studio, llama.cpp server…). Optional: the default is offline.
 */
export class OpenAICompatibleEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo;
  private readonly endpoint: string;
  /** Error bodies and network errors can echo the key. */
  private readonly redact: Redactor;

  constructor(private readonly options: OpenAICompatibleOptions) {
    super({
      maxRetries: options.maxRetries ?? 3,
      onFailedAttempt: (error: unknown) => {
        if (!(error instanceof RetryableHttpError)) throw error;
      },
    });
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.info = { provider: 'openai', model: options.model, dimensions: 0 };
    this.redact = createRedactor([options.apiKey]);
  }

  private async request(input: string[]): Promise<number[][]> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new RetryableHttpError(`cannot reach ${this.endpoint}: ${this.redact((error as Error).message)}`, { cause: error });
    }
    if (!response.ok) {
      // Error bodies can echo the key ("Incorrect API key provided: sk-…"): never pass one on for
      // an authentication failure, and scrub the key from any other.
      const authFailure = response.status === 401 || response.status === 403;
      const detail = authFailure ? 'check OPENAI_API_KEY' : this.redact((await response.text().catch(() => '')).slice(0, 200));
      const message = `${this.endpoint} answered ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`;
      if (response.status === 429 || response.status >= 500) throw new RetryableHttpError(message);
      throw new EmbeddingsError(`The embeddings endpoint failed: ${message}`);
    }
    const body = (await response.json().catch(() => ({}))) as EmbeddingsResponse;
    const vectors: number[][] = [];
    for (const [position, item] of (body.data ?? []).entries()) {
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || !embedding.every((value) => typeof value === 'number')) break;
      vectors[item.index ?? position] = embedding as number[];
    }
    if (vectors.length !== input.length || vectors.some((vector) => vector === undefined)) {
      throw new EmbeddingsError(`The embeddings endpoint ${this.endpoint} returned a malformed reply (expected ${input.length} vectors).`);
    }
    return vectors;
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const batchSize = this.options.batchSize ?? 128;
    const vectors: number[][] = [];
    for (let start = 0; start < documents.length; start += batchSize) {
      const batch = documents.slice(start, start + batchSize);
      try {
        vectors.push(...(await this.caller.call(() => this.request(batch))));
      } catch (error) {
        if (error instanceof EmbeddingsError) throw error;
        throw new EmbeddingsError(`The embeddings endpoint failed: ${(error as Error).message}`, { cause: error });
      }
    }
    const dimensions = vectors[0]?.length ?? 0;
    if (vectors.some((vector) => vector.length !== dimensions)) {
      throw new EmbeddingsError(`The embeddings endpoint ${this.endpoint} returned vectors of different lengths.`);
    }
    this.info.dimensions ||= dimensions;
    return vectors;
  }

  override async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector!;
  }
}
