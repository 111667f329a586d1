import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/context.js';
import { clip, plainLabel } from '../src/discord/format.js';

/** `/help` — what the bot knows about and how to ask. */
export const help: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('help')
    .setDescription('How to ask me questions, and what I know about.')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),

  async execute(interaction, context) {
    const { documents } = context.verbatim.manifest;
    const topics = documents.slice(0, 5).map((doc) => `• ${plainLabel(doc.title, 70)}${doc.date ? ` (${doc.date})` : ''}`);
    if (documents.length > 5) topics.push(`• …and ${documents.length - 5} more (see \`/sources\`)`);
    const content = [
      '**Verbatim answers questions by quoting the articles word for word.** Every quote is checked against its article before I send it, and each has a numbered source.',
      '',
      '**Ask:** `/ask question: Why was the Budapest summit cancelled?` — add `private: True` to see the answer alone. Press **Show passages** under an answer to read the sentences around each quote.',
      '**Follow up:** press **Follow up** under an answer; I read your next question with the one before (*and what did he say about NATO?*).',
      '**Check a message:** *Apps → Find in articles* on any message shows you, privately, the quotes that bear on it.',
      '**Tell us:** press 👍 or 👎 under an answer (in a server) to say whether it answered you (one vote each; press the other to change it). The moderators see the questions voted 👎, and those I could not answer, so they know which articles to add.',
      '**How sure I am:** a blue answer quotes the sentences that answer you. An amber one says *I’m not sure the articles answer this* and shows the closest passages: read them before you rely on them. When the question is plainly outside the articles, I say so rather than guess.',
      '**About the articles themselves:** ask *when was this published?*, *what’s the source?*, *who wrote it?* or *which articles do you have?*',
      '**What I know:**',
      ...topics,
      '',
      'Moderators add, remove and list the articles with `/article` (or edit the files on the server and run `/reindex`); `/unanswered` shows them what I could not answer.',
    ].join('\n');
    await interaction.reply({ content: clip(content, 2000), flags: MessageFlags.Ephemeral });
  },
};
