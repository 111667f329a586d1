import { bold, embedLength, escapeMarkdown, hyperlink, type APIEmbed } from 'discord.js';
import { ABSTENTION, TENTATIVE, type Answer, type Citation, type DocumentReference } from '../core/answer/types.js';
import type { ArticleSummary, Passage } from '../core/service.js';
import type { IndexManifest } from '../core/index/manifest.js';
import { sourceLine, type SourceLineStyle } from '../core/answer/source-line.js';

/** Discord's documented limits for a message. */
export const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  totalEmbeds: 6000,
  fields: 25,
} as const;

const BRAND_COLOR = 0x2b6cb0;
/** Amber: the closest passages, not a sure answer. */
const TENTATIVE_COLOR = 0xd69e2e;
const ABSTAIN_COLOR = 0x718096;

/** Shortens a label (never a quote) to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Whether an embed is within every per-part limit and the total. */
export function fitsDiscord(embed: APIEmbed): boolean {
  return (
    (embed.title?.length ?? 0) <= LIMITS.title &&
    (embed.description?.length ?? 0) <= LIMITS.description &&
    (embed.footer?.text.length ?? 0) <= LIMITS.footer &&
    (embed.fields ?? []).length <= LIMITS.fields &&
    (embed.fields ?? []).every((field) => field.name.length <= LIMITS.fieldName && field.value.length <= LIMITS.fieldValue) &&
    embedLength(embed) <= LIMITS.totalEmbeds
  );
}

/**
 * Characters that are invisible yet change what a reader sees: NUL and the other C0 controls
 * but tab and newline, DEL, and the bidirectional embeddings, overrides (U+202A–202E) and
 * isolates (U+2066–2069), which can make a title or a question read backwards.
 */
const HIDDEN_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/gu;

/** Longest document URL linked; a longer one would crowd the quotes out of the embed. */
const MAX_LINK_LENGTH = 512;

/**
 * Escapes every `*` and `_` that escapeMarkdown left unescaped outside a web address (it
 * leaves some in runs such as `*****`, which then pair up into bold). Inside an address
 * Discord formats nothing, and a backslash would change the address.
 */
function escapeStrayEmphasis(escaped: string): string {
  return escaped
    .split(/(https?:\/\/\S*)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/(?<=(?:^|[^\\])(?:\\\\)*)[*_]/g, '\\$&')))
    .join('');
}

/**
 * Text from the articles (or from a member) as Discord shows it: literally, never as
 * Markdown. A sentence `[click here](https://evil.example)` stays that text (the address
 * visible), and bold, italics, spoilers, code, headings, `-#` subtext, block quotes and
 * lists are shown as typed. Hidden control characters are dropped. Quotes stay verbatim
 * everywhere else (the core, the CLI); this is for display only, and it lengthens the text,
 * so measure after it.
 */
export function plainText(text: string): string {
  return (
    escapeStrayEmphasis(escapeMarkdown(text.replace(HIDDEN_CONTROLS, ''), { heading: true, bulletedList: true, numberedList: true }))
      // Every bracket, rather than escapeMarkdown's `maskedLink` option: that one escapes only
      // the first of two links on a line, and the second still renders.
      .replace(/[[\]]/g, '\\$&')
      // Line-start `-# ` (subtext) and `>` (block quotes), which escapeMarkdown leaves alone.
      .replace(/^([ \t]*)(-#|>)/gm, '$1\\$2')
  );
}

/**
 * A one-line label from the articles or a member (a title, a section, a question) for
 * display: white space folded, {@link plainText}, and shortened with an ellipsis so that
 * the escaped result is at most `max` characters.
 */
export function plainLabel(text: string, max: number): string {
  const line = text.replace(HIDDEN_CONTROLS, '').replace(/\s+/g, ' ').trim();
  // Escaping at most doubles a character: drop half the excess from the original until it fits.
  for (let keep = max; ;) {
    const shown = plainText(clip(line, keep));
    if (shown.length <= max || keep <= 1) return shown;
    keep = Math.max(1, keep - Math.ceil((shown.length - max) / 2));
  }
}

/**
 * A document's `url` as a Markdown link target, or `undefined` when it must not be linked:
 * only a well-formed http(s) URL with a host, no user name or password (`https://bank@evil`
 * reads like the bank) and no white space or control character. The parser's normalised
 * form is used, with the characters that could end or reshape a Markdown link (`()[]<>`)
 * percent-encoded.
 */
export function linkTarget(url: string | undefined): string | undefined {
  if (url === undefined || /[\s\u0000-\u001F\u007F\u202A-\u202E\u2066-\u2069]/u.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return undefined;
  const target = parsed.href.replace(/[()[\]<>]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return target.length <= MAX_LINK_LENGTH ? target : undefined;
}

/** A title for display, linked to its document when the document has a usable URL. */
function linkedTitle(title: string, url: string | undefined, max: number): string {
  const text = plainLabel(title, max);
  const target = linkTarget(url);
  return target === undefined ? text : hyperlink(text, target);
}

/** A file name as inline code: a backtick would end the code span early, so it becomes a look-alike. */
function codeName(name: string, max: number): string {
  return `\`${clip(name.replace(HIDDEN_CONTROLS, '').replace(/\s+/g, ' ').replace(/`/g, 'ˋ'), max)}\``;
}

/** Source lines as an embed shows them: the title linked to its document, every label as plain text. */
const EMBED_SOURCE: SourceLineStyle = { title: (citation) => linkedTitle(citation.title, citation.url, 120), label: plainLabel };

/** The footer of an answer, and when its index was built as the embed's timestamp (each member reads it in their own time zone). */
function footerOf(manifest: IndexManifest): Pick<APIEmbed, 'footer' | 'timestamp'> {
  return { footer: { text: `Quotes are verbatim · ${manifest.documents.length} document(s) · index built` }, timestamp: manifest.builtAt };
}

function answerEmbed(answer: Answer, citations: Citation[], manifest: IndexManifest): APIEmbed {
  const quotes = citations.map((citation) => `“${plainText(citation.quote)}” ${bold(`[${citation.n}]`)}`).join('\n\n');
  const tentative = answer.confidence === 'low';
  return {
    color: tentative ? TENTATIVE_COLOR : BRAND_COLOR,
    title: plainLabel(answer.question, LIMITS.title),
    description: tentative ? `*${TENTATIVE}*\n\n${quotes}` : quotes,
    fields: [{ name: 'Sources', value: citations.map((citation) => sourceLine(citation, EMBED_SOURCE)).join('\n') }],
    ...footerOf(manifest),
  };
}

/**
 * The embed for an answer. When the quotes do not fit Discord's limits, whole quotes are
 * dropped from the end (the best one comes first); a quote is never cut.
 *
 * @returns the embed and the citations it shows
 */
export function formatAnswer(answer: Answer, manifest: IndexManifest): { embed: APIEmbed; shown: Citation[] } {
  if (answer.abstained) {
    return {
      embed: {
        color: ABSTAIN_COLOR,
        title: plainLabel(answer.question, LIMITS.title),
        description: `${ABSTENTION}\nTry \`/sources\` to see which articles I know, or ask about something they cover.`,
        ...footerOf(manifest),
      },
      shown: [],
    };
  }
  if (answer.documents !== undefined) return { embed: documentsEmbed(answer.question, answer.documents, manifest), shown: [] };
  for (let count = answer.citations.length; count > 0; count--) {
    const shown = answer.citations.slice(0, count);
    const embed = answerEmbed(answer, shown, manifest);
    if (fitsDiscord(embed)) return { embed, shown };
  }
  return {
    embed: {
      color: ABSTAIN_COLOR,
      title: plainLabel(answer.question, LIMITS.title),
      description: `The passage that answers this is too long to show in Discord. It is in: ${answer.citations[0] ? plainLabel(answer.citations[0].title, 200) : 'the articles'}.`,
      ...footerOf(manifest),
    },
    shown: [],
  };
}

function documentLine(reference: DocumentReference): string {
  const title = linkedTitle(reference.title, reference.url, 120);
  const facts = [
    title,
    reference.date,
    reference.author && `by ${plainLabel(reference.author, 100)}`,
    reference.publisher && plainLabel(reference.publisher, 100),
  ];
  return `[${reference.n}] ${facts.filter(Boolean).join(' — ')} (${codeName(reference.source, 120)})`;
}

/** The answer to a question about the articles themselves: what each one records, as many as fit. */
function documentsEmbed(question: string, references: DocumentReference[], manifest: IndexManifest): APIEmbed {
  const lines: string[] = [];
  let length = 0;
  for (const reference of references) {
    const line = documentLine(reference);
    if (length + line.length + 60 > LIMITS.description) {
      lines.push(`…and ${references.length - lines.length} more (see \`/sources\`)`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return { color: BRAND_COLOR, title: plainLabel(question, LIMITS.title), description: lines.join('\n'), ...footerOf(manifest) };
}

/** The ephemeral "Show passages" reply: each cited sentence with the sentences around it. */
export function formatPassages(passages: Passage[]): APIEmbed[] {
  const embeds: APIEmbed[] = [];
  let total = 0;
  for (const passage of passages) {
    const quote = bold(plainText(passage.quote));
    const text = [passage.before && plainText(passage.before), quote, passage.after && plainText(passage.after)].filter(Boolean).join(' ');
    const embed: APIEmbed = {
      color: BRAND_COLOR,
      title: `[${passage.n}] ${plainLabel(passage.title, LIMITS.title - `[${passage.n}] `.length)}`,
      description: text.length <= LIMITS.description ? text : quote,
      ...(passage.section ? { footer: { text: plainLabel(passage.section, LIMITS.footer) } } : {}),
    };
    if (!fitsDiscord(embed) || total + embedLength(embed) > LIMITS.totalEmbeds || embeds.length === 10) break;
    total += embedLength(embed);
    embeds.push(embed);
  }
  return embeds;
}

/** One article in a list (`/sources`, `/article list`): its title (linked), date, then `details`. */
function articleLine(doc: { title: string; url?: string | undefined; date?: string | undefined }, details: string[]): string {
  return `• ${[linkedTitle(doc.title, doc.url, 120), doc.date, ...details].filter(Boolean).join(' — ')}`;
}

/** Articles a page of `/article list` shows. */
export const ARTICLES_PER_PAGE = 10;

/**
 * One page of `/article list`: each article's title, date, publisher, sentence count and file
 * name; `page` is clamped to the pages there are.
 */
export function formatArticlePage(articles: ArticleSummary[], page: number): { embed: APIEmbed; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(articles.length / ARTICLES_PER_PAGE));
  const shown = Math.min(Math.max(0, Math.trunc(page)), pages - 1);
  const onPage = articles.slice(shown * ARTICLES_PER_PAGE, (shown + 1) * ARTICLES_PER_PAGE);
  const render = (linked: boolean) =>
    onPage.map((article) => {
      const details = [article.publisher && plainLabel(article.publisher, 80), `${article.sentences} sentences`].filter((part): part is string =>
        Boolean(part),
      );
      return `${articleLine(linked ? article : { ...article, url: undefined }, details)}\n  ${codeName(article.source, 100)}`;
    });
  let lines = render(true);
  // Ten long links can outgrow the description: the titles are then shown without them.
  if (lines.join('\n').length > LIMITS.description) lines = render(false);
  return {
    page: shown,
    pages,
    embed: {
      color: BRAND_COLOR,
      title: `Articles (${articles.length})`,
      description: lines.length > 0 ? clip(lines.join('\n'), LIMITS.description) : 'No article is indexed.',
      footer: { text: `Page ${shown + 1} of ${pages} · /article add · /article remove` },
    },
  };
}

/** The `/sources` embed: the indexed documents, when and with which embeddings. */
export function formatSources(manifest: IndexManifest): APIEmbed {
  const lines: string[] = [];
  let length = 0;
  for (const doc of manifest.documents) {
    const line = articleLine(doc, [`${doc.chunks} chunks`]);
    if (length + line.length + 60 > LIMITS.description) {
      lines.push(`…and ${manifest.documents.length - lines.length} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return {
    color: BRAND_COLOR,
    title: 'What I can quote',
    description: lines.join('\n'),
    fields: [
      { name: 'Built', value: `${manifest.builtAt.replace('T', ' ').slice(0, 19)} UTC in ${manifest.buildSeconds.toFixed(1)} s`, inline: true },
      {
        name: 'Embeddings',
        value: clip(`${manifest.embeddings.provider} · ${manifest.embeddings.model} · ${manifest.embeddings.dimensions}-d`, LIMITS.fieldValue),
        inline: true,
      },
      { name: 'Size', value: `${manifest.documents.length} documents · ${manifest.chunkCount} chunks · ${manifest.sentenceCount} sentences`, inline: true },
    ],
  };
}
