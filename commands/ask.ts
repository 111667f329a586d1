import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { InvalidQuestionError } from '../src/core/errors.js';
import type { BotContext, ButtonHandler, Command } from '../src/discord/context.js';
import { formatAnswer, formatPassages } from '../src/discord/format.js';
import { NO_MENTIONS } from '../src/discord/replies.js';

/** Longest question Discord will accept in the option. */
export const MAX_QUESTION = 300;

const PASSAGES_PREFIX = 'passages:';

async function refuseOutsideAllowedChannels(interaction: ChatInputCommandInteraction, context: BotContext): Promise<boolean> {
  const allowed = context.config.allowedChannelIds;
  if (allowed.length === 0 || allowed.includes(interaction.channelId)) return false;
  await interaction.reply({
    content: `I answer questions in ${allowed.map((id) => `<#${id}>`).join(', ')}. Ask there, please.`,
    flags: MessageFlags.Ephemeral,
    allowedMentions: NO_MENTIONS,
  });
  return true;
}

/** `/ask question:<text> [private:<bool>]` — the answer's quotes with their sources. */
export const ask: Command = {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask a question; I answer by quoting the articles word for word.')
    .addStringOption((option) => option.setName('question').setDescription('Your question about the story').setRequired(true).setMaxLength(MAX_QUESTION))
    .addBooleanOption((option) => option.setName('private').setDescription('Only you see the answer')),

  async execute(interaction, context) {
    if (await refuseOutsideAllowedChannels(interaction, context)) return;
    const wait = context.askLimiter.take(interaction.user.id);
    if (wait > 0) {
      await interaction.reply({ content: `You're asking quickly — try again in ${wait} s.`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return;
    }
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
    const question = interaction.options.getString('question', true);
    let answer;
    try {
      answer = await context.verbatim.ask(question);
    } catch (error) {
      if (!(error instanceof InvalidQuestionError)) throw error;
      await interaction.editReply({ content: error.message, allowedMentions: NO_MENTIONS });
      return;
    }
    const { embed, shown } = formatAnswer(answer, context.verbatim.manifest);
    const components =
      shown.length > 0
        ? [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId(`${PASSAGES_PREFIX}${interaction.id}`).setLabel('Show passages').setStyle(ButtonStyle.Secondary))]
        : [];
    if (shown.length > 0) context.recentAnswers.remember(interaction.id, shown);
    await interaction.editReply({ embeds: [embed], components, allowedMentions: NO_MENTIONS });
  },
};

/** The "Show passages" button under an answer: the context of each cited sentence, ephemerally. */
export const showPassages: ButtonHandler = {
  prefix: PASSAGES_PREFIX,

  async execute(interaction, context) {
    const citations = context.recentAnswers.recall(interaction.customId.slice(PASSAGES_PREFIX.length));
    const passages = citations ? context.verbatim.passages(citations) : [];
    if (passages.length === 0) {
      await interaction.reply({ content: 'That answer is too old to expand (or the index has changed since). Ask again with `/ask`.', flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return;
    }
    await interaction.reply({ embeds: formatPassages(passages), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  },
};
