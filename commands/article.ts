import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { quotedName } from '../src/core/corpus/changes.js';
import { ArticleChangeError } from '../src/core/errors.js';
import { describeAnyError } from '../src/discord/errors.js';
import type { ArticleChangeOptions } from '../src/core/service.js';
import { downloadAttachment } from '../src/discord/attachment.js';
import type { BotContext, ButtonHandler, SlashCommand } from '../src/discord/context.js';
import { clip, formatArticlePage, plainLabel } from '../src/discord/format.js';
import { isModerator } from '../src/discord/permissions.js';
import { moderatorOnly } from '../src/discord/preconditions.js';
import { progressReply, reindexSummary } from './reindex.js';

const LIST_PREFIX = 'article-list:';
/** Discord's limits for an autocomplete answer. */
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

const onlyModerators = moderatorOnly('manage the articles');

/** Who made a change, for the log: name and id. */
function who(interaction: ChatInputCommandInteraction): string {
  return `${interaction.user.username} (${interaction.user.id})`;
}

/** What a change waits for, as the moderator is told. */
function waiting(what: 'reindex' | 'change'): string {
  return what === 'reindex' ? 'Waiting for the running reindex to finish…' : 'Waiting for another change to the articles to finish…';
}

/** The change's options: progress in the reply, who asked shown to a build that has to wait. */
function changeOptions(
  interaction: ChatInputCommandInteraction,
  context: BotContext,
  edit: (content: string) => Promise<unknown>,
  onProgress: ArticleChangeOptions['onProgress'],
): ArticleChangeOptions {
  return {
    requestedBy: `/article ${interaction.options.getSubcommand()} by ${interaction.user.username}`,
    onWaiting: (what) => void edit(waiting(what)),
    ...(onProgress ? { onProgress } : {}),
  };
}

/** Why the reindex after a change failed, and what that means. */
function failedReindex(error: Error): string {
  return `the reindex failed: ${describeAnyError(error)}\nThe previous index keeps serving; the next /reindex that succeeds includes the change.`;
}

async function add(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const attachment = interaction.options.getAttachment('file', true);
  const replace = interaction.options.getBoolean('replace') ?? false;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const { edit, onProgress } = progressReply(interaction, context);
  const { verbatim, logger } = context;
  const fields = Object.fromEntries(
    (['title', 'date', 'url', 'source'] as const).flatMap((name) => {
      const value = interaction.options.getString(name);
      return value === null ? [] : [[name, value]];
    }),
  );
  logger.info(`/article add by ${who(interaction)}: ${JSON.stringify(attachment.name)} (${attachment.size} bytes)${replace ? ', replacing' : ''}`, {
    event: 'article',
    userId: interaction.user.id,
    guildId: interaction.guildId,
  });
  let result;
  try {
    result = await verbatim.addArticle({
      fileName: attachment.name,
      content: () => downloadAttachment({ name: attachment.name, url: attachment.url, size: attachment.size }, verbatim.maxFileBytes),
      fields,
      replace,
      ...changeOptions(interaction, context, edit, onProgress),
    });
  } catch (error) {
    if (!(error instanceof ArticleChangeError)) throw error;
    logger.warn(`/article add by ${who(interaction)} refused: ${error.message}`, { event: 'article' });
    await edit(clip(error.message, 2000));
    return;
  }
  const { change } = result;
  logger.info(`article ${change.replaced ? 'replaced' : 'added'} by ${who(interaction)}: ${change.source}`, {
    event: 'article',
    userId: interaction.user.id,
    guildId: interaction.guildId,
  });
  if (!result.ok)
    logger.warn(`reindex after /article add failed (${change.source} stays in the corpus): ${describeAnyError(result.error)}`, { event: 'article' });
  const title = `**${plainLabel(change.title, 200)}**`;
  const reply = result.ok
    ? `${change.replaced ? 'Replaced' : 'Added'} ${title}${change.sentences !== undefined ? ` (${change.sentences} sentences)` : ''} as ${quotedName(change.source)}.\n${reindexSummary(result.report)}`
    : `Saved ${title} as ${quotedName(change.source)} in the corpus, but ${failedReindex(result.error)}`;
  await edit(clip(reply, 2000));
}

async function remove(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const source = interaction.options.getString('source', true);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const { edit, onProgress } = progressReply(interaction, context);
  const { logger } = context;
  logger.info(`/article remove by ${who(interaction)}: ${JSON.stringify(source)}`, {
    event: 'article',
    userId: interaction.user.id,
    guildId: interaction.guildId,
  });
  let result;
  try {
    result = await context.verbatim.removeArticle(source, changeOptions(interaction, context, edit, onProgress));
  } catch (error) {
    if (!(error instanceof ArticleChangeError)) throw error;
    logger.warn(`/article remove by ${who(interaction)} refused: ${error.message}`, { event: 'article' });
    await edit(clip(error.message, 2000));
    return;
  }
  const { change } = result;
  logger.info(`article removed by ${who(interaction)}: ${change.source}, moved to ${change.movedTo}`, {
    event: 'article',
    userId: interaction.user.id,
    guildId: interaction.guildId,
  });
  if (!result.ok)
    logger.warn(`reindex after /article remove failed (${change.source} is out of the corpus): ${describeAnyError(result.error)}`, { event: 'article' });
  const title = change.title !== undefined ? ` (**${plainLabel(change.title, 200)}**)` : '';
  const head = `Removed ${quotedName(change.source)}${title}: moved to ${quotedName(change.movedTo)} beside the corpus folder (move it back and /reindex to restore it).`;
  await edit(clip(result.ok ? `${head}\n${reindexSummary(result.report)}` : `${head}\nBut ${failedReindex(result.error)}`, 2000));
}

/** The list's page `page`, with Previous/Next buttons when there is more than one. */
function listPage(context: BotContext, page: number) {
  const { embed, page: shown, pages } = formatArticlePage(context.verbatim.articles(), page);
  const components =
    pages > 1
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(`${LIST_PREFIX}${shown - 1}`)
              .setLabel('Previous')
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(shown === 0),
            new ButtonBuilder()
              .setCustomId(`${LIST_PREFIX}${shown + 1}`)
              .setLabel('Next')
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(shown === pages - 1),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/** `/article add|remove|list` — moderators manage the articles from Discord. */
export const article: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('article')
    .setDescription('Moderators: add, remove or list the articles I quote.')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    // A server's moderators only: a DM has no Manage Server permission to check.
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((sub) =>
      sub
        .setName('add')
        .setDescription('Add a .txt or .md article (UTF-8) and index it.')
        .addAttachmentOption((option) => option.setName('file').setDescription('The article: a .txt or .md file, UTF-8 text').setRequired(true))
        .addStringOption((option) => option.setName('title').setDescription('Its title (else its front matter, first heading or sentence)').setMaxLength(200))
        .addStringOption((option) => option.setName('date').setDescription('Publication date, YYYY-MM-DD').setMinLength(10).setMaxLength(10))
        .addStringOption((option) => option.setName('url').setDescription('Link to the article (http or https)').setMaxLength(512))
        .addStringOption((option) => option.setName('source').setDescription('The publisher').setMaxLength(100))
        .addBooleanOption((option) => option.setName('replace').setDescription('Replace an article with the same file name')),
    )
    .addSubcommand((sub) =>
      sub
        .setName('remove')
        .setDescription('Move an article out of the corpus (into removed/) and reindex.')
        .addStringOption((option) =>
          option
            .setName('source')
            .setDescription('The article (start typing its title or file name)')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(MAX_CHOICE_LENGTH),
        ),
    )
    .addSubcommand((sub) => sub.setName('list').setDescription('The articles: title, date, publisher, sentences.')),

  preconditions: [onlyModerators],

  async execute(interaction, context) {
    const subcommand = interaction.options.getSubcommand();
    if (subcommand === 'add') await add(interaction, context);
    else if (subcommand === 'remove') await remove(interaction, context);
    else await interaction.reply({ ...listPage(context, 0), flags: MessageFlags.Ephemeral });
  },

  /** The corpus's articles whose title or file name contains what was typed; indexed ones by title. */
  async autocomplete(interaction, context) {
    // Suggestions name the corpus's files: for those who may remove them only.
    if (!isModerator(interaction, context.config.moderatorRoleIds)) {
      await interaction.respond([]);
      return;
    }
    const typed = interaction.options.getFocused().trim().toLowerCase();
    const titles = new Map(context.verbatim.articles().map((summary) => [summary.source, summary.title]));
    const sources = await context.verbatim.corpusSources();
    // A file not indexed (added while a reindex failed, or skipped) is listed by its name.
    const choices = sources
      .filter((source) => source.length <= MAX_CHOICE_LENGTH)
      .map((source) => ({ source, title: titles.get(source) }))
      .filter(({ source, title }) => typed === '' || source.toLowerCase().includes(typed) || (title?.toLowerCase().includes(typed) ?? false))
      .slice(0, MAX_CHOICES)
      .map(({ source, title }) => {
        const suffix = ` (${source})`;
        const name =
          title === undefined ? `${source} (not indexed)` : `${clip(title.replace(/\s+/g, ' '), Math.max(20, MAX_CHOICE_LENGTH - suffix.length))}${suffix}`;
        return { name: clip(name, MAX_CHOICE_LENGTH), value: source };
      });
    await interaction.respond(choices);
  },
};

/** Previous/Next under `/article list`: the other page, in the same message. */
export const articleListPage: ButtonHandler = {
  prefix: LIST_PREFIX,
  preconditions: [onlyModerators],

  async execute(interaction, context) {
    const page = Number.parseInt(interaction.customId.slice(LIST_PREFIX.length), 10);
    await interaction.update(listPage(context, Number.isFinite(page) ? page : 0));
  },
};
