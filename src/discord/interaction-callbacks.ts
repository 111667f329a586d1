import { setTimeout as sleep } from 'node:timers/promises';
import { RESTJSONErrorCodes, type RESTOptions } from 'discord.js';
import { causeCodes } from '../core/errors.js';

type MakeRequest = RESTOptions['makeRequest'];
type ResponseLike = Awaited<ReturnType<MakeRequest>>;

/**
 * Waits before each retry of an interaction callback. Discord drops an interaction that is not
 * acknowledged within 3 s: these stay well inside that, leaving time for the attempts themselves.
 */
export const CALLBACK_RETRY_DELAYS_MS: readonly number[] = [250, 500];

/** Network failures after which a request may be sent again (the connection broke, not the request). */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * An interaction callback (the first reply or the deferral) that never reached Discord, or that
 * Discord kept failing (5xx), after every retry. The interaction cannot be answered at all: the
 * member sees Discord's "The application did not respond", and any reply would take the same path.
 */
export class CallbackUndeliveredError extends Error {
  override name = 'CallbackUndeliveredError';

  constructor(
    /** What went wrong with each attempt, in order (`ECONNRESET`, `HTTP 503`…). */
    readonly failures: readonly string[],
  ) {
    // The failures are not in the message: @discordjs/rest sends a request again, at once, when
    // its error's message mentions ECONNRESET, and these attempts were the retries already.
    super(`Discord did not take the interaction response after ${failures.length} attempts`);
  }
}

/** Whether a 400 answer says the interaction was already acknowledged; the answer is returned re-readable. */
async function readAlreadyAcknowledged(response: ResponseLike): Promise<{ acknowledged: boolean; response: ResponseLike }> {
  const text = await response.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  return {
    acknowledged: code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
    response: new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers }),
  };
}

/**
 * A transport that sends interaction callbacks again after a broken connection or a 5xx, a few
 * times within Discord's 3 s window, and passes every other request to `send` unchanged.
 *
 * A callback is not idempotent: when an attempt reached Discord but its answer was lost, the
 * next one is refused as already acknowledged (40060). After a failed attempt that refusal
 * means the interaction is acknowledged, so it is answered as the success Discord gave the
 * lost attempt (an empty 204; with `with_response=true` the refusal is passed on, as there is
 * no response body to give). A 40060 on the first attempt is passed on too: then something
 * else did acknowledge it.
 *
 * @throws {@link CallbackUndeliveredError} when every attempt failed
 */
export function retryingInteractionCallbacks(send: MakeRequest, delaysMs: readonly number[] = CALLBACK_RETRY_DELAYS_MS): MakeRequest {
  return async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    if (init.method !== 'POST' || !/\/interactions\/[^/]+\/[^/]+\/callback$/.test(pathname)) return send(url, init);
    const wantsResponseBody = searchParams.get('with_response') === 'true';
    const failures: string[] = [];
    for (;;) {
      try {
        const response = await send(url, init);
        if (response.status < 500) {
          if (failures.length === 0 || response.status !== 400 || wantsResponseBody) return response;
          const read = await readAlreadyAcknowledged(response);
          return read.acknowledged ? new Response(null, { status: 204 }) : read.response;
        }
        // Read to the end: undici holds the connection until the body is consumed.
        await response.arrayBuffer().catch(() => undefined);
        failures.push(`HTTP ${response.status}`);
      } catch (error) {
        const code = causeCodes(error)[0];
        // An aborted request (discord.js's timeout) is past Discord's window already.
        if (code === undefined || !TRANSIENT_NETWORK_CODES.has(code) || init.signal?.aborted) throw error;
        failures.push(code);
      }
      const delay = delaysMs[failures.length - 1];
      if (delay === undefined) throw new CallbackUndeliveredError(failures);
      await sleep(delay);
    }
  };
}
