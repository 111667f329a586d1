import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageFlags } from 'discord.js';
import { splitSentences } from '../src/core/text/sentences.js';
import type { MessageCommand } from '../src/discord/context.js';
import { formatAnswer } from '../src/discord/format.js';
import { withinAskRateLimit } from '../src/discord/preconditions.js';
import { answerComponents, MAX_QUESTION } from './ask.js';

/**
 * Most characters of a message looked up: as long as an `/ask` question (the core takes up to
 * 1000), so that a long message is looked up by its opening claim, not diluted by all of it.
 */
export const FIND_LIMIT = MAX_QUESTION;

/**
 * A message's text as words to look up: Discord's markup for mentions, channels, roles, custom
 * emoji and timestamps, links, and Markdown marks dropped, white space folded.
 */
export function messageText(content: string): string {
  return content
    .replace(/<(?:@[!&]?|#)\d+>/g, ' ')
    .replace(/<a?:\w+:\d+>/g, ' ')
    .replace(/<t:-?\d+(?::[a-zA-Z])?>/g, ' ')
    .replace(/<?https?:\/\/\S+/g, ' ')
    .replace(/@(?:everyone|here)\b/g, ' ')
    .replace(/^[ \t]*(?:>>>|>|-#|#{1,3}|[-*])[ \t]+/gm, '')
    .replace(/```\w*|[`*_~|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What "Find in articles" looks up in a message: its first sentences (the core's sentence
 * splitter) up to {@link FIND_LIMIT} characters; a first sentence longer than that is cut at
 * the last word that fits. `undefined` when the message has no text (only an image, an embed,
 * a link or an emoji).
 */
export function claimOf(content: string, limit = FIND_LIMIT): { text: string; trimmed: boolean } | undefined {
  const text = messageText(content);
  if (!/[\p{L}\p{N}]/u.test(text)) return undefined;
  if (text.length <= limit) return { text, trimmed: false };
  const sentences = splitSentences(text);
  let end = 0;
  for (const sentence of sentences) {
    if (sentence.end > limit) break;
    end = sentence.end;
  }
  if (end === 0) {
    const cut = text.lastIndexOf(' ', limit);
    end = cut > 0 ? cut : limit;
  }
  return { text: text.slice(0, end).trim(), trimmed: true };
}

/** "Find in articles" (Apps → on any message): the quotes that bear on its claim or question, privately. */
export const findInArticles: MessageCommand = {
  data: new ContextMenuCommandBuilder()
    .setName('Find in articles')
    .setType(ApplicationCommandType.Message)
    // In servers and in the DM with the bot, like /ask.
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),

  // The reply is ephemeral (only the member who asked sees it, in whatever channel the message
  // is), so ALLOWED_CHANNEL_IDS, which keeps the bot's public answers in some channels, does
  // not apply; the rate limit does, as it is one question to the core.
  preconditions: [withinAskRateLimit],

  async execute(interaction, context) {
    const claim = claimOf(interaction.targetMessage.content);
    if (claim === undefined) {
      await interaction.reply({
        content: 'That message has no text I can look up (only an image, an embed, a link or an attachment). Ask about it with `/ask` instead.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const answer = await context.verbatim.ask(claim.text);
    const { embed, shown } = formatAnswer(answer, context.verbatim.manifest);
    const content = claim.trimmed ? `That message is long: I looked up its start (first sentences, up to ${FIND_LIMIT} characters).` : undefined;
    await interaction.editReply({ ...(content ? { content } : {}), embeds: [embed], components: answerComponents(interaction, shown) });
  },
};
