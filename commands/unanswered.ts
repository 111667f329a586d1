import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  TimestampStyles,
  time,
  type APIEmbed,
} from 'discord.js';
import type { UnansweredEntry } from '../src/core/feedback/store.js';
import type { BotContext, ButtonHandler, SlashCommand } from '../src/discord/context.js';
import { clip, plainLabel } from '../src/discord/format.js';
import { moderatorOnly } from '../src/discord/preconditions.js';

/** `unanswered:dismiss:<question id>`: dismisses that question's group. */
const DISMISS_PREFIX = 'unanswered:dismiss:';

/** Entries listed at once: two rows of five Dismiss buttons. */
const LISTED = 10;

const UNAVAILABLE = "The feedback store is unavailable right now, so I can't show the unanswered questions. The details are in the bot's log.";

/** How an entry's count breaks down: `2 not found · 1 unsure · 1 👎`. */
function kindsOf(entry: UnansweredEntry): string {
  const parts = [
    entry.kinds.abstained ? `${entry.kinds.abstained} not found` : '',
    entry.kinds.tentative ? `${entry.kinds.tentative} unsure` : '',
    entry.kinds.downvoted ? `${entry.kinds.downvoted} 👎` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The queue as a message: an embed of the entries and a Dismiss button for each. */
export function unansweredMessage(
  entries: UnansweredEntry[],
  retentionDays: number,
  note?: string,
): { content: string; embeds: APIEmbed[]; components: ActionRowBuilder<ButtonBuilder>[] } {
  const content = note ?? '';
  if (entries.length === 0) {
    return {
      content: clip(`${content ? `${content}\n` : ''}No unanswered or downvoted questions in the last ${retentionDays} days.`, 2000),
      embeds: [],
      components: [],
    };
  }
  const lines = entries.map(
    (entry, i) =>
      `**${i + 1}.** ${plainLabel(entry.question, 300)}\n${entry.count}× (${kindsOf(entry)}) — last ${time(entry.lastAt, TimestampStyles.RelativeTime)}`,
  );
  const embed: APIEmbed = {
    title: 'Unanswered questions, most frequent first',
    description: clip(lines.join('\n\n'), 4096),
    footer: {
      text: `Questions the articles did not answer (not found, or only the closest passages) and answers voted 👎, from the last ${retentionDays} days. Dismiss what you have dealt with.`,
    },
  };
  const buttons = entries.map((entry, i) =>
    new ButtonBuilder()
      .setCustomId(`${DISMISS_PREFIX}${entry.id}`)
      .setLabel(`Dismiss ${i + 1}`)
      .setStyle(ButtonStyle.Secondary),
  );
  const components: ActionRowBuilder<ButtonBuilder>[] = [];
  for (let i = 0; i < buttons.length; i += 5) components.push(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons.slice(i, i + 5)));
  return { content, embeds: [embed], components };
}

function queueOf(guildId: string, context: BotContext): UnansweredEntry[] | undefined {
  return context.feedback?.use('read the unanswered questions', (store) => store.unanswered(guildId, LISTED));
}

/** `/unanswered` — moderators: the most frequent recent questions the articles did not answer, or answered badly. */
export const unanswered: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('unanswered')
    .setDescription('Moderators: the questions the articles did not answer, most frequent first.')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    // A server's moderators only: the queue is per server.
    .setContexts(InteractionContextType.Guild),

  preconditions: [moderatorOnly('see the unanswered questions')],

  async execute(interaction, context) {
    const entries = interaction.guildId ? queueOf(interaction.guildId, context) : [];
    if (!entries) {
      await interaction.reply({ content: UNAVAILABLE, flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.reply({ ...unansweredMessage(entries, context.config.feedback.retentionDays), flags: MessageFlags.Ephemeral });
  },
};

/** A Dismiss button of `/unanswered`: the question leaves the queue, and the list is shown again. */
export const dismissUnanswered: ButtonHandler = {
  prefix: DISMISS_PREFIX,
  preconditions: [moderatorOnly('dismiss unanswered questions')],

  async execute(interaction, context) {
    const id = Number(interaction.customId.slice(DISMISS_PREFIX.length));
    const guildId = interaction.guildId;
    if (!guildId || !Number.isSafeInteger(id)) {
      await interaction.reply({ content: 'This button no longer works. Run `/unanswered` again.', flags: MessageFlags.Ephemeral });
      return;
    }
    const dismissed = context.feedback?.use('dismiss a question', (store) => store.dismiss(guildId, id));
    const entries = queueOf(guildId, context);
    if (!entries) {
      await interaction.reply({ content: UNAVAILABLE, flags: MessageFlags.Ephemeral });
      return;
    }
    const note = dismissed ? `Dismissed “${plainLabel(dismissed.question, 300)}” (${dismissed.count}×).` : 'That question was already dismissed.';
    await interaction.update(unansweredMessage(entries, context.config.feedback.retentionDays, note));
  },
};
