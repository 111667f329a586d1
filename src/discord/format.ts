import type { APIEmbed } from 'discord.js';
import { TENTATIVE, type Answer, type Citation, type DocumentReference } from '../core/answer/types.js';
import type { Passage } from '../core/service.js';
import type { IndexManifest } from '../core/index/manifest.js';

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

/** Characters an embed counts toward the 6000 total. */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
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

/** Markdown link text must not close the link early. */
function escapeLinkText(text: string): string {
  return text.replace(/[[\]]/g, (bracket) => `\\${bracket}`);
}

function sourceLine(citation: Citation): string {
  const title = citation.url ? `[${escapeLinkText(clip(citation.title, 120))}](${citation.url})` : clip(citation.title, 120);
  return `[${citation.n}] ${[title, citation.date, citation.section && clip(citation.section, 100)].filter(Boolean).join(' — ')}`;
}

function footerOf(manifest: IndexManifest): { text: string } {
  return { text: `Index built ${manifest.builtAt.replace('T', ' ').slice(0, 16)} UTC · ${manifest.documents.length} document(s) · quotes are verbatim` };
}

function answerEmbed(answer: Answer, citations: Citation[], manifest: IndexManifest): APIEmbed {
  const quotes = citations.map((citation) => `“${citation.quote}” **[${citation.n}]**`).join('\n\n');
  const tentative = answer.confidence === 'low';
  return {
    color: tentative ? TENTATIVE_COLOR : BRAND_COLOR,
    title: clip(answer.question, LIMITS.title),
    description: tentative ? `*${TENTATIVE}*\n\n${quotes}` : quotes,
    fields: [{ name: 'Sources', value: citations.map(sourceLine).join('\n') }],
    footer: footerOf(manifest),
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
        title: clip(answer.question, LIMITS.title),
        description: `${answer.answer}\nTry \`/sources\` to see which articles I know, or ask about something they cover.`,
        footer: footerOf(manifest),
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
      title: clip(answer.question, LIMITS.title),
      description: `The passage that answers this is too long to show in Discord. It is in: ${clip(answer.citations[0]?.title ?? 'the articles', 200)}.`,
      footer: footerOf(manifest),
    },
    shown: [],
  };
}

function documentLine(reference: DocumentReference): string {
  const title = reference.url ? `[${escapeLinkText(clip(reference.title, 120))}](${reference.url})` : clip(reference.title, 120);
  const facts = [title, reference.date, reference.author && `by ${clip(reference.author, 100)}`, reference.publisher && clip(reference.publisher, 100)];
  return `[${reference.n}] ${facts.filter(Boolean).join(' — ')} (\`${clip(reference.source, 120)}\`)`;
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
  return { color: BRAND_COLOR, title: clip(question, LIMITS.title), description: lines.join('\n'), footer: footerOf(manifest) };
}

/** The ephemeral "Show passages" reply: each cited sentence with the sentences around it. */
export function formatPassages(passages: Passage[]): APIEmbed[] {
  const embeds: APIEmbed[] = [];
  let total = 0;
  for (const passage of passages) {
    const text = [passage.before, `**${passage.quote}**`, passage.after].filter(Boolean).join(' ');
    const embed: APIEmbed = {
      color: BRAND_COLOR,
      title: clip(`[${passage.n}] ${passage.title}`, LIMITS.title),
      description: text.length <= LIMITS.description ? text : `**${passage.quote}**`,
      ...(passage.section ? { footer: { text: clip(passage.section, LIMITS.footer) } } : {}),
    };
    if (!fitsDiscord(embed) || total + embedLength(embed) > LIMITS.totalEmbeds || embeds.length === 10) break;
    total += embedLength(embed);
    embeds.push(embed);
  }
  return embeds;
}

/** The `/sources` embed: the indexed documents, when and with which embeddings. */
export function formatSources(manifest: IndexManifest): APIEmbed {
  const lines: string[] = [];
  let length = 0;
  for (const doc of manifest.documents) {
    const title = doc.url ? `[${escapeLinkText(clip(doc.title, 120))}](${doc.url})` : clip(doc.title, 120);
    const line = `• ${title}${doc.date ? ` — ${doc.date}` : ''} — ${doc.chunks} chunks`;
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
      { name: 'Embeddings', value: clip(`${manifest.embeddings.provider} · ${manifest.embeddings.model} · ${manifest.embeddings.dimensions}-d`, LIMITS.fieldValue), inline: true },
      { name: 'Size', value: `${manifest.documents.length} documents · ${manifest.chunkCount} chunks · ${manifest.sentenceCount} sentences`, inline: true },
    ],
  };
}
