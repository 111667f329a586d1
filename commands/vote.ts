import { ButtonBuilder, ButtonStyle, MessageFlags, type Interaction } from 'discord.js';
import type { Answer } from '../src/core/answer/types.js';
import type { VoteValue } from '../src/core/feedback/store.js';
import type { BotContext, ButtonHandler } from '../src/discord/context.js';

/** `vote:up:<answer id>` / `vote:down:<answer id>`: the answer id is the `/ask` interaction's, so the buttons work after a restart. */
const VOTE_PREFIX = 'vote:';

const EMOJI: Record<VoteValue, string> = { up: '👍', down: '👎' };

/**
 * Puts a question the articles did not answer (an abstention, or only the closest passages)
 * in the server's unanswered queue. Only in servers: a DM has no moderators to read it. A
 * store failure is logged, never raised.
 */
export function recordUnanswered(interaction: Pick<Interaction, 'guildId' | 'user'>, answer: Answer, context: BotContext): void {
  const guildId = interaction.guildId;
  if (!guildId || answer.documents !== undefined) return;
  const kind = answer.abstained ? 'abstained' : answer.confidence === 'low' ? 'tentative' : undefined;
  if (!kind) return;
  context.feedback?.use('record an unanswered question', (store) =>
    store.recordQuestion({ kind, question: answer.question, memberId: interaction.user.id, guildId }),
  );
}

/** The 👍 / 👎 buttons under an answer, in servers (where the moderators read the votes). */
export function voteButtons(interaction: Pick<Interaction, 'id' | 'guildId'>): ButtonBuilder[] {
  if (!interaction.guildId) return [];
  return (['up', 'down'] as const).map((value) =>
    new ButtonBuilder().setCustomId(`${VOTE_PREFIX}${value}:${interaction.id}`).setEmoji(EMOJI[value]).setStyle(ButtonStyle.Secondary),
  );
}

/** The question an answer's embed shows as its title, with the Markdown escapes taken out. */
function questionOf(embedTitle: string | null | undefined): string {
  return (embedTitle ?? '').replace(/\\(.)/gs, '$1').trim();
}

/** 👍 / 👎 under an answer: one vote per member per answer; pressing again changes or keeps it. */
export const vote: ButtonHandler = {
  prefix: VOTE_PREFIX,

  async execute(interaction, context) {
    const match = /^vote:(up|down):(\d+)$/.exec(interaction.customId);
    if (!match || !interaction.guildId) {
      await interaction.reply({ content: 'This button no longer works. Ask again with `/ask`.', flags: MessageFlags.Ephemeral });
      return;
    }
    const value = match[1] as VoteValue;
    const outcome = context.feedback?.use('record a vote', (store) =>
      store.vote({
        answerId: match[2]!,
        memberId: interaction.user.id,
        guildId: interaction.guildId!,
        value,
        question: questionOf(interaction.message.embeds[0]?.title),
      }),
    );
    let content: string;
    if (!outcome) content = "I couldn't record your vote right now, sorry. The moderators can find why in the log.";
    else {
      const said =
        outcome.previous === undefined
          ? `Recorded your ${EMOJI[value]}`
          : outcome.previous === value
            ? `You had already voted ${EMOJI[value]}; kept it`
            : `Changed your vote to ${EMOJI[value]}`;
      const why = value === 'down' ? ' The moderators will see this question among the unanswered ones.' : '';
      content = `${said}, thank you.${why} (${EMOJI.up} ${outcome.totals.up} · ${EMOJI.down} ${outcome.totals.down})`;
    }
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  },
};
