import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { isVerbatimError } from '../src/core/errors.js';
import { describeError } from '../src/discord/errors.js';
import { changeCounts, progressCounts, type BuildProgress, type BuildReport } from '../src/core/index/build.js';
import type { BotContext, SlashCommand } from '../src/discord/context.js';
import { clip, plainText } from '../src/discord/format.js';
import { moderatorOnly } from '../src/discord/preconditions.js';

/** Progress edits at most this often: Discord rate-limits edits, and people read slower. */
const PROGRESS_INTERVAL_MS = 1000;

function progressText(progress: BuildProgress): string {
  if (progress.phase === 'waiting')
    return `Waiting for another build of the index to finish: ${plainText(progress.waitingFor ?? '')}. /ask keeps answering from the current index meanwhile.`;
  return `Reindexing… ${progressCounts(progress)}. /ask keeps answering from the current index meanwhile.`;
}

/**
 * The deferred reply of a command that reindexes, edited as it goes: `edit` sends a line, and
 * `onProgress` the build's progress at most once a second. Edits go out one after another, so
 * that a late progress line never replaces the summary.
 */
export function progressReply(
  interaction: ChatInputCommandInteraction,
  context: BotContext,
): { edit: (content: string) => Promise<unknown>; onProgress: (progress: BuildProgress) => void } {
  let edits: Promise<unknown> = Promise.resolve();
  const edit = (content: string) => {
    edits = edits
      .then(() => interaction.editReply({ content }))
      .catch((error: unknown) => context.logger.warn(`/${interaction.commandName} progress edit failed: ${String(error)}`));
    return edits;
  };
  let lastEdit = 0;
  const onProgress = (progress: BuildProgress) => {
    const now = Date.now();
    if (now - lastEdit < PROGRESS_INTERVAL_MS && progress.documentsDone > 0 && progress.phase !== 'waiting') return;
    lastEdit = now;
    void edit(progressText(progress));
  };
  return { edit, onProgress };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The summary a moderator reads when a reindex ends. */
export function reindexSummary(report: BuildReport): string {
  // File names are the corpus's, shown as typed, never as Markdown.
  const list = (label: string, sources: string[]) => (sources.length ? `\n${label}: ${sources.map(plainText).join(', ')}` : '');
  const skipped = report.skipped.map((file) => `${file.source} (${file.reason})`);
  return clip(
    `Reindexed in ${report.seconds.toFixed(1)} s: ${report.documents} documents, ${report.chunks} chunks.\n` +
      capitalized(
        changeCounts(report)
          .map(([what, count]) => `${what} ${count}`)
          .join(' · '),
      ) +
      list('Added', report.added) +
      list('Changed', report.changed) +
      list('Removed', report.removed) +
      list('Skipped', skipped) +
      (report.previousUnusable ? `\nEvery article was indexed again: the previous index could not be updated (${plainText(report.previousUnusable)})` : ''),
    2000,
  );
}

/** `/reindex` — moderators rebuild the index from the corpus directory. */
export const reindex: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('reindex')
    .setDescription('Moderators: rebuild the index after editing the articles.')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    // A server's moderators only: a DM has no Manage Server permission to check.
    .setContexts(InteractionContextType.Guild),

  preconditions: [moderatorOnly('reindex')],

  async execute(interaction, context) {
    if (context.verbatim.isReindexing) {
      await interaction.reply({ content: 'A reindex is already running; its reply will show the summary when it ends.', flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { edit, onProgress } = progressReply(interaction, context);
    context.logger.info(`reindex started by ${interaction.user.id}`);
    try {
      const report = await context.verbatim.reindex(onProgress, `/reindex by ${interaction.user.username}`);
      context.logger.info(
        `reindex done: ${report.documents} documents, ${report.chunks} chunks, ${report.skipped.length} skipped, ${report.seconds.toFixed(2)} s`,
      );
      await edit(reindexSummary(report));
    } catch (error) {
      if (!isVerbatimError(error)) throw error;
      context.logger.warn(`reindex failed: ${describeError(error)}`);
      await edit(clip(`Reindex failed: ${describeError(error)}\nThe previous index keeps serving.`, 2000));
    }
  },
};
