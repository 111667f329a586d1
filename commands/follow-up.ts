import { ActionRowBuilder, MessageFlags, ModalBuilder, TextInputBuilder, TextInputStyle, messageLink, type Message } from 'discord.js';
import { InvalidQuestionError } from '../src/core/errors.js';
import type { ButtonHandler, ModalHandler } from '../src/discord/context.js';
import { clip, formatAnswer, plainLabel } from '../src/discord/format.js';
import { inAllowedChannel, withinAskRateLimit } from '../src/discord/preconditions.js';
import { answerComponents, FOLLOW_UP_BUTTON, MAX_QUESTION } from './ask.js';

const MODAL_PREFIX = 'followup-modal:';
/** The modal's one text input. */
export const FOLLOW_UP_FIELD = 'question';

const FOLLOW_UP_TO = 'Follow-up to: ';

/** Text the bot showed escaped as plain text (src/discord/format.ts), as typed. */
function unescaped(shown: string): string {
  return shown
    .replace(/\\([^\p{L}\p{N}\s])/gu, '$1')
    .replace(/…$/u, '')
    .trim();
}

/**
 * The question an answer message answers: its embed's title (src/discord/format.ts shows the
 * question there, escaped as plain text), unescaped. Read from the message itself, so a
 * follow-up works on any answer the bot ever sent, across restarts.
 */
export function questionOf(message: Pick<Message, 'embeds'> | null | undefined): string | undefined {
  const title = message?.embeds[0]?.title;
  if (!title) return undefined;
  const text = unescaped(title);
  return text === '' ? undefined : text;
}

/**
 * What a follow-up to `message` is asked with: the question it answers and, when it is itself
 * a follow-up's answer, the question that one followed (its "Follow-up to:" line), so that
 * "and when?" then "and why?" keep the first question's subject.
 */
export function contextOf(message: Pick<Message, 'embeds' | 'content'> | null | undefined): string | undefined {
  const question = questionOf(message);
  if (question === undefined || !message?.content.startsWith(FOLLOW_UP_TO)) return question;
  const earlier = unescaped(message.content.slice(FOLLOW_UP_TO.length).replace(/ — https:\/\/\S+$/u, ''));
  return earlier === '' ? question : `${earlier} ${question}`;
}

/** The "Follow up" button under an answer: opens a modal for the follow-up question. */
export const followUpButton: ButtonHandler = {
  prefix: FOLLOW_UP_BUTTON,
  // Opening the modal spends no question; submitting it does.
  preconditions: [inAllowedChannel],

  async execute(interaction) {
    const previous = questionOf(interaction.message);
    if (previous === undefined) {
      await interaction.reply({ content: 'I can’t tell which question that message answers. Ask with `/ask`.', flags: MessageFlags.Ephemeral });
      return;
    }
    const input = new TextInputBuilder()
      .setCustomId(FOLLOW_UP_FIELD)
      .setLabel('Your follow-up question')
      .setStyle(TextInputStyle.Short)
      .setRequired(true)
      .setMaxLength(MAX_QUESTION)
      .setPlaceholder('e.g. and what did he say about NATO?');
    // A modal's title is plain text, at most 45 characters.
    const modal = new ModalBuilder()
      .setCustomId(MODAL_PREFIX)
      .setTitle(clip(`Follow up: ${previous.replace(/\s+/g, ' ')}`, 45))
      .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
    await interaction.showModal(modal);
  },
};

/**
 * The follow-up modal submitted: answered with the question of the message whose button
 * opened it as context, as a new message in the same channel or thread (through the
 * interaction, which needs no channel permission) saying what it follows up, with a link to
 * it, and the same buttons as an answer. A follow-up to a private answer is private too.
 */
export const followUpModal: ModalHandler = {
  prefix: MODAL_PREFIX,
  preconditions: [inAllowedChannel, withinAskRateLimit],

  async execute(interaction, context) {
    const original = interaction.message;
    const previous = questionOf(original);
    const asked = contextOf(original);
    const isPrivate = original?.flags.has(MessageFlags.Ephemeral) ?? false;
    await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
    const question = interaction.fields.getTextInputValue(FOLLOW_UP_FIELD);
    let answer;
    try {
      answer = await context.verbatim.ask(question, asked === undefined ? {} : { previous: asked });
    } catch (error) {
      if (!(error instanceof InvalidQuestionError)) throw error;
      await interaction.editReply({ content: error.message });
      return;
    }
    const { embed, shown } = formatAnswer(answer, context.verbatim.manifest);
    // An ephemeral message has no link anyone can open.
    // The interaction's server: a message in an interaction payload may not say which it is in.
    const guildId = interaction.guildId ?? original?.guildId ?? null;
    const link =
      !original || isPrivate ? undefined : guildId ? messageLink(original.channelId, original.id, guildId) : messageLink(original.channelId, original.id);
    const content = previous === undefined ? undefined : `${FOLLOW_UP_TO}${plainLabel(previous, 400)}${link ? ` — ${link}` : ''}`;
    await interaction.editReply({ ...(content ? { content } : {}), embeds: [embed], components: answerComponents(interaction, shown) });
  },
};
