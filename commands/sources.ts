import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/context.js';
import { formatSources } from '../src/discord/format.js';

/** `/sources` — the indexed documents, when the index was built and with which embeddings. */
export const sources: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('sources')
    .setDescription('List the articles I can quote, and when they were indexed.')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),

  async execute(interaction, context) {
    await interaction.reply({ embeds: [formatSources(context.verbatim.manifest)], flags: MessageFlags.Ephemeral });
  },
};
