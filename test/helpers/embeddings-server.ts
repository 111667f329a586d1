import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashedVector } from './core.js';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
}

/** What the server answers to one request: a status and a body (objects are sent as JSON). */
export interface Reply {
  status: number;
  body: string | object;
}

export type Responder = (request: RecordedRequest) => Reply | 'hang';

export interface EmbeddingsServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Replies to the next requests, in order; after them the default responder answers. */
  queue(...replies: (Reply | 'hang')[]): void;
  close(): Promise<void>;
}

export const DIMENSIONS = 64;

/**
 * An OpenAI-compatible reply: one hashed bag-of-words vector per input, listed in
 * reverse order with their `index`, so a client has to put them back in order.
 */
export function embeddingsReply(input: string[], dimensions = DIMENSIONS): Reply {
  const data = input.map((text, index) => ({ object: 'embedding', index, embedding: hashedVector(text, dimensions) })).reverse();
  return { status: 200, body: { object: 'list', model: 'test', data, usage: { prompt_tokens: 0, total_tokens: 0 } } };
}

/** The `input` texts of an embeddings request body. */
export function inputOf(body: unknown): string[] {
  const input = (body as { input?: unknown } | null)?.input;
  return Array.isArray(input) ? input.map(String) : typeof input === 'string' ? [input] : [];
}

/** A small OpenAI-compatible embeddings endpoint on 127.0.0.1, on a free port. */
export async function startEmbeddingsServer(responder: Responder = (request) => embeddingsReply(inputOf(request.body))): Promise<EmbeddingsServer> {
  const requests: RecordedRequest[] = [];
  const queued: (Reply | 'hang')[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text
      }
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      const reply = queued.length > 0 ? queued.shift()! : responder(request);
      if (reply === 'hang') return;
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    queue: (...replies) => queued.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
