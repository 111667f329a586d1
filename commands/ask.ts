import { ActionRowBuilder, ButtonBuilder, ButtonStyle, InteractionContextType, MessageFlags, SlashCommandBuilder, type Interaction } from 'discord.js';
import type { Citation } from '../src/core/answer/types.js';
import { MAX_QUESTION_LENGTH } from '../src/core/answer/question.js';
import { InvalidQuestionError } from '../src/core/errors.js';
import { decodeReferences, encodeReferences } from '../src/core/index/reference.js';
import type { ButtonHandler, SlashCommand } from '../src/discord/context.js';
import { formatAnswer, formatPassages } from '../src/discord/format.js';
import { inAllowedChannel, withinAskRateLimit } from '../src/discord/preconditions.js';
import { recordUnanswered, voteButtons } from './vote.js';

/**
 * Longest question the bot takes: the bot's own limit, set as the max length of the `/ask` option
 * and of the follow-up and "Find in articles" text inputs, so Discord enforces it before sending
 * (Discord itself allows 6000 characters in an option, 4000 in a text input). It is within the
 * core's {@link MAX_QUESTION_LENGTH}, the limit of every front end (the CLI's too), which
 * {@link InvalidQuestionError} reports.
 */
export const MAX_QUESTION = Math.min(300, MAX_QUESTION_LENGTH);

/** `passages:<references>`: the shown quotes' stable references (src/core/index/reference.ts), so the button works after a restart. */
const PASSAGES_PREFIX = 'passages:';
/** Discord's longest custom id. */
const MAX_CUSTOM_ID = 100;
/** The "Follow up" button's custom id (commands/follow-up.ts): the question it follows is the answer's embed title. */
export const FOLLOW_UP_BUTTON = 'followup:';

/**
 * The buttons under an answer that quotes (none under an abstention): "Show passages", which
 * carries the shown quotes' references in its custom id (as many as fit: all of them for up to
 * 10 quotes from a document's first 16,384 sentences), 👍 / 👎 in servers, and "Follow up".
 */
export function answerComponents(
  interaction: Pick<Interaction, 'id' | 'guildId'>,
  shown: readonly Pick<Citation, 'reference'>[],
): ActionRowBuilder<ButtonBuilder>[] {
  if (shown.length === 0) return [];
  const references = encodeReferences(
    shown.map((citation) => citation.reference),
    MAX_CUSTOM_ID - PASSAGES_PREFIX.length,
  );
  return [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`${PASSAGES_PREFIX}${references}`).setLabel('Show passages').setStyle(ButtonStyle.Secondary),
      ...voteButtons(interaction),
      new ButtonBuilder().setCustomId(FOLLOW_UP_BUTTON).setLabel('Follow up').setStyle(ButtonStyle.Secondary),
    ),
  ];
}

/** `/ask question:<text> [private:<bool>]` — the answer's quotes with their sources. */
export const ask: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask a question; I answer by quoting the articles word for word.')
    // In servers and in a DM with the bot (ALLOWED_CHANNEL_IDS, when set, still decides).
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((option) => option.setName('question').setDescription('Your question about the story').setRequired(true).setMaxLength(MAX_QUESTION))
    .addBooleanOption((option) => option.setName('private').setDescription('Only you see the answer')),

  preconditions: [inAllowedChannel, withinAskRateLimit],

  async execute(interaction, context) {
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
    const question = interaction.options.getString('question', true);
    let answer;
    try {
      answer = await context.verbatim.ask(question);
    } catch (error) {
      if (!(error instanceof InvalidQuestionError)) throw error;
      await interaction.editReply({ content: error.message });
      return;
    }
    const { embed, shown } = formatAnswer(answer, context.verbatim.manifest);
    const components = answerComponents(interaction, shown);
    await interaction.editReply({ embeds: [embed], components });
    // After the answer is sent: a slow (locked) store never delays it.
    recordUnanswered(interaction, answer, context);
  },
};

/**
 * The "Show passages" button under an answer: the context of each cited sentence, ephemerally,
 * from the references in its custom id (read from the message, so across restarts, and across
 * reindexes that leave the quoted articles unchanged).
 */
export const showPassages: ButtonHandler = {
  prefix: PASSAGES_PREFIX,

  async execute(interaction, context) {
    const references = decodeReferences(interaction.customId.slice(PASSAGES_PREFIX.length));
    const passages = references ? context.verbatim.passages(references) : [];
    if (passages.length === 0) {
      await interaction.reply({
        content: 'That answer is too old to expand (or the index has changed since). Ask again with `/ask`.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.reply({ embeds: formatPassages(passages), flags: MessageFlags.Ephemeral });
  },
};
