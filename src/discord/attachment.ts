import { ArticleChangeError } from '../core/errors.js';
import { quotedName } from '../core/corpus/changes.js';
import { checkArticleSize } from '../core/corpus/loader.js';

/** How long a download from Discord's CDN may take in all. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

/** What the bot reads of an attachment: the fields Discord sends in `resolved.attachments`. */
export interface AttachmentRef {
  name: string;
  url: string;
  /** The size Discord declares, in bytes. */
  size: number;
}

function refuse(name: string, reason: string): ArticleChangeError {
  return new ArticleChangeError(`${quotedName(name)} was not added: ${reason}.`);
}

function overCap(name: string, size: number, maxBytes: number): ArticleChangeError | undefined {
  try {
    checkArticleSize(size, maxBytes);
    return undefined;
  } catch (error) {
    return refuse(name, (error as Error).message);
  }
}

/**
 * The bytes of an attachment, from the URL the interaction carries: refused before the
 * download when its declared size (or the response's `content-length`) is over `maxBytes`, and
 * during it as soon as more bytes than that arrive, whatever was declared; abandoned after
 * `timeoutMs`.
 *
 * @throws {@link ArticleChangeError} saying why, in words for the moderator
 */
export async function downloadAttachment(attachment: AttachmentRef, maxBytes: number, timeoutMs = DOWNLOAD_TIMEOUT_MS): Promise<Buffer> {
  const declared = overCap(attachment.name, attachment.size, maxBytes);
  if (declared) throw declared;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(attachment.url, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw refuse(
        attachment.name,
        controller.signal.aborted ? `the download took over ${timeoutMs / 1000} s` : `it could not be downloaded from Discord (${(error as Error).message})`,
      );
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw refuse(attachment.name, `Discord answered ${response.status} ${response.statusText} for the file; attach it again`);
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const announced = Number.isFinite(length) ? overCap(attachment.name, length, maxBytes) : undefined;
    if (announced) {
      await response.body.cancel().catch(() => undefined);
      throw announced;
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
        if (received > maxBytes) {
          await reader.cancel().catch(() => undefined);
          // Declared smaller than it is: the cap is what it is measured against, not the claim.
          throw refuse(
            attachment.name,
            `more than the ${(maxBytes / 1024 / 1024).toFixed(1)} MB cap arrived (${(attachment.size / 1024 / 1024).toFixed(1)} MB declared)`,
          );
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof ArticleChangeError) throw error;
      throw refuse(
        attachment.name,
        controller.signal.aborted ? `the download took over ${timeoutMs / 1000} s` : `the download failed (${(error as Error).message})`,
      );
    }
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}
