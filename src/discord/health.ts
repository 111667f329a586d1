import { createServer, type Server } from 'node:http';
import type { ReindexOutcome } from '../core/service.js';

/** What the bot knows about itself at one moment, for `GET /healthz`. */
export interface HealthState {
  /** Whether every gateway shard is connected and ready (false while connecting, resuming or down). */
  gatewayReady: boolean;
  /**
   * The index answers come from; absent while it is still loading. `damaged`: what the first
   * question that met damage in it found (the questions that read it are refused).
   */
  index?: { builtAt: string; documents: number; chunks: number; damaged?: string };
  /** How the last reindex (`/reindex`, or an index written by `npm run index` and picked up) ended. */
  lastReindex?: ReindexOutcome;
  startedAt: Date;
}

/**
 * The status code and JSON body `GET /healthz` answers with: 503 unless the bot can answer right
 * now. A damaged index still answers the questions that do not read the damage: 200, with the
 * status `degraded` for a monitor to alert on (a restart would load the same files).
 */
export function healthResponse(state: HealthState): { status: 200 | 503; body: Record<string, unknown> } {
  const ok = state.gatewayReady && state.index !== undefined;
  return {
    status: ok ? 200 : 503,
    body: {
      status: ok ? (state.index?.damaged !== undefined ? 'degraded' : 'ok') : 'unavailable',
      gateway: state.gatewayReady ? 'ready' : 'not connected',
      index: state.index ?? null,
      lastReindex: state.lastReindex ?? null,
      uptimeSeconds: Math.round((Date.now() - state.startedAt.getTime()) / 1000),
    },
  };
}

/**
 * Serves `GET /healthz` (and `HEAD`) on `host:port` for a container `HEALTHCHECK`, a load
 * balancer or a monitor: 200 when the gateway is connected and an index is loaded, else 503,
 * with the state as JSON. Nothing else is served. Resolves once listening.
 *
 * @throws when the port cannot be bound (in use, not allowed): the caller reports it
 */
export async function startHealthServer(address: { host: string; port: number }, state: () => HealthState): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://health');
    if (url.pathname !== '/healthz') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the health report is at /healthz\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
      return;
    }
    const { status, body } = healthResponse(state());
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : `${JSON.stringify(body)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
