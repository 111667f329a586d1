import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleChangeError } from '../../src/core/errors.js';
import { downloadAttachment } from '../../src/discord/attachment.js';

/** A CDN that misbehaves in each way a download must survive. */
let server: Server;
let base: string;
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    if (req.url === '/ok.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end('Copper rose.\n');
    else if (req.url === '/chunked.txt') {
      // No content-length: only counting the bytes as they arrive finds it too big.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const more = () => {
        while (sent < 40 && res.write(chunk)) sent++;
        if (sent < 40) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => undefined);
      more();
    } else if (req.url === '/slow.txt') res.writeHead(200, { 'content-type': 'text/plain' }).write('Copper');
    else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ArticleChangeError);
  return (error as Error).message;
}

describe('downloadAttachment', () => {
  it('downloads a file within the cap', async () => {
    expect((await downloadAttachment({ name: 'ok.txt', url: `${base}/ok.txt`, size: 13 }, 1024)).toString()).toBe('Copper rose.\n');
  });

  it('refuses a declared size over the cap without downloading', async () => {
    requests = [];
    expect(await refusal(downloadAttachment({ name: 'ok.txt', url: `${base}/ok.txt`, size: 2 * 1024 * 1024 }, 1024 * 1024))).toBe(
      '`ok.txt` was not added: 2.0 MB is over the 1.0 MB cap.',
    );
    expect(requests).toEqual([]);
  });

  it('stops a download as soon as more than the cap arrives, whatever was declared', async () => {
    expect(await refusal(downloadAttachment({ name: 'chunked.txt', url: `${base}/chunked.txt`, size: 100 }, 1024 * 1024))).toBe(
      '`chunked.txt` was not added: more than the 1.0 MB cap arrived (0.0 MB declared).',
    );
  });

  it('gives up after the timeout, and says so for a missing file', async () => {
    expect(await refusal(downloadAttachment({ name: 'slow.txt', url: `${base}/slow.txt`, size: 10 }, 1024, 300))).toBe(
      '`slow.txt` was not added: the download took over 0.3 s.',
    );
    expect(await refusal(downloadAttachment({ name: 'gone.txt', url: `${base}/gone.txt`, size: 10 }, 1024))).toBe(
      '`gone.txt` was not added: Discord answered 404 Not Found for the file; attach it again.',
    );
  });
});
