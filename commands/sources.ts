import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/context.js';
import { formatSources } from '../src/discord/format.js';
import { NO_MENTIONS } from '../src/discord/replies.js';

/** `/sources` — the indexed documents, when the index was built and with which embeddings. */
export const sources: Command = {
  data: new SlashCommandBuilder().setName('sources').setDescription('List the articles I can quote, and when they were indexed.'),

  async execute(interaction, context) {
    await interaction.reply({ embeds: [formatSources(context.verbatim.manifest)], flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  },
};
