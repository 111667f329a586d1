import { OAuth2Scopes, PermissionsBitField, REST, Routes, type APIApplication, type APIUser } from 'discord.js';
import { commands } from '../../commands/index.js';
import { ConfigError, loadConfig, type Config, type DiscordConfig } from '../config/config.js';
import { loadCorpus } from '../core/corpus/loader.js';
import { FeedbackStore, feedbackStoreFile } from '../core/feedback/store.js';
import { isVerbatimError } from '../core/errors.js';
import { describeError } from './errors.js';
import { loadIndex } from '../core/index/corpus-index.js';
import { createEmbeddings } from '../core/index/embeddings/factory.js';
import { commandDifferences, commandLabel, discordSetupProblem } from '../discord/setup-checks.js';
import { formatBytes, recoverIndexLeftovers } from '../core/index/leftovers.js';
import { EXIT, parseFlags, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm run doctor

Checks the configuration, the bot token and the registered commands (asking Discord), the
corpus, the index and the feedback store, and prints the link that invites the bot.`;

/**
 * The permissions the bot asks for when invited: none. It only answers slash commands and
 * buttons through interaction responses, which Discord lets an application send (with embeds)
 * whatever its channel permissions; it never posts on its own.
 */
export const INVITE_PERMISSIONS = new PermissionsBitField();

/** The OAuth2 link that adds the bot to a server with the least it needs. */
export function inviteUrl(clientId: string): string {
  const params = new URLSearchParams({
    client_id: clientId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: INVITE_PERMISSIONS.bitfield.toString(),
  });
  return `https://discord.com/oauth2/authorize?${params.toString().replace(/\+/g, '%20')}`;
}

/**
 * Asks Discord whether the token works, for which bot and application, and whether the
 * registered commands are the local ones.
 */
async function checkDiscord(discord: DiscordConfig, say: (ok: boolean, line: string) => void): Promise<void> {
  const rest = new REST({ api: discord.apiBase, retries: 1, timeout: 10_000 }).setToken(discord.token);
  const failed = (what: string, error: unknown) => {
    const problem = discordSetupProblem(error, discord);
    say(false, `${what}: ${problem?.message ?? (error as Error).message}`);
  };
  let application: APIApplication;
  try {
    const bot = (await rest.get(Routes.user())) as APIUser;
    application = (await rest.get(Routes.currentApplication())) as APIApplication;
    say(true, `Discord: token accepted, bot ${bot.username} (${bot.id})`);
  } catch (error) {
    failed('Discord', error);
    return;
  }
  if (application.id !== discord.clientId) {
    say(false, `Discord: the token belongs to application ${application.id}, but DISCORD_CLIENT_ID is ${discord.clientId}: set it to ${application.id}.`);
    return;
  }
  const where = discord.guildId ? `in server ${discord.guildId}` : 'globally';
  try {
    const route = discord.guildId ? Routes.applicationGuildCommands(discord.clientId, discord.guildId) : Routes.applicationCommands(discord.clientId);
    const registered = (await rest.get(route)) as Record<string, unknown>[];
    const differences = commandDifferences(
      commands.map((command) => command.data.toJSON() as unknown as Record<string, unknown>),
      registered,
    );
    if (differences.length === 0) {
      say(true, `commands: ${commands.map((command) => commandLabel(command.data.toJSON())).join(' ')} registered ${where}, up to date`);
      return;
    }
    const state = registered.length === 0 ? 'none registered' : `out of date (${differences.join(', ')})`;
    say(false, `commands ${where}: ${state} — run \`npm run deploy-commands\``);
  } catch (error) {
    failed(`commands ${where}`, error);
  }
}

/** `npm run doctor` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    parseFlags(args, {});
    let healthy = true;
    const say = (ok: boolean, line: string) => {
      healthy &&= ok;
      process.stdout.write(`${ok ? '✔' : '✘'} ${line}\n`);
    };

    let clientId: string | undefined;
    let core: Config | undefined;
    try {
      core = loadConfig('bot');
      clientId = core.discord!.clientId;
      say(
        true,
        `configuration: token set (not shown), application ${clientId}, ${core.discord!.guildId ? `guild ${core.discord!.guildId}` : 'global commands'}`,
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      say(false, `configuration:\n${error.problems.map((problem) => `    - ${problem}`).join('\n')}`);
      // The corpus and index can still be checked when only the Discord variables are wrong.
      try {
        core = loadConfig('core');
      } catch {
        return EXIT.failure;
      }
    }

    if (core.discord) await checkDiscord(core.discord, say);

    const corpus = await loadCorpus(core.corpusDir).catch((error: unknown) => error as Error);
    if (corpus instanceof Error) say(false, `corpus: ${corpus.message}`);
    else {
      say(
        corpus.documents.length > 0,
        `corpus: ${corpus.documents.length} article(s) in ${core.corpusDir}${corpus.skipped.length ? `, ${corpus.skipped.length} skipped` : ''}`,
      );
      for (const file of corpus.skipped) process.stdout.write(`    skipped ${file.source}: ${file.reason}\n`);
    }

    // Only reported: the doctor changes nothing, the next start or build cleans up.
    const leftovers = await recoverIndexLeftovers(core.indexDir, { dryRun: true });
    if (leftovers.recovered)
      say(true, `index: an interrupted save left a complete copy (${leftovers.recovered}); the next \`npm start\` or \`npm run index\` puts it back`);
    if (leftovers.removed.length > 0) {
      say(
        true,
        `index: ${leftovers.removed.length} leftover(s) of interrupted saves hold ${formatBytes(leftovers.freedBytes)}; the next \`npm start\` or \`npm run index\` removes them`,
      );
    }
    try {
      // Every block read and checked: a plain load checks only what questions read, so damage elsewhere would surface later.
      const index = await loadIndex(core.indexDir, await createEmbeddings(core.embeddings), { checkEveryBlock: true });
      const { manifest } = index;
      index.close();
      say(
        true,
        `index: ${manifest.documents.length} documents, ${manifest.chunkCount} chunks, built ${manifest.builtAt} with ${manifest.embeddings.provider}:${manifest.embeddings.model}; every file matches its hashes`,
      );
    } catch (error) {
      if (!isVerbatimError(error)) throw error;
      const missing = error.name === 'IndexNotFoundError';
      // A missing index with a complete copy to put back was reported above.
      if (!(missing && leftovers.recovered))
        say(false, missing ? 'index: not built yet — `npm run index` builds it (`npm start` also does, on its first start)' : `index: ${describeError(error)}`);
    }

    if (core.discord) {
      const file = feedbackStoreFile(core.discord.dataDir);
      try {
        const summary = FeedbackStore.inspect(file);
        if (!summary) say(true, `feedback store: none yet (${file} is created on the bot's first start)`);
        else {
          const upgrade = summary.pendingMigrations > 0 ? '; the next `npm start` upgrades its schema' : '';
          say(true, `feedback store: ${file}, ${summary.queued} question(s) in the unanswered queues, ${summary.votes} vote(s)${upgrade}`);
        }
      } catch (error) {
        if (!isVerbatimError(error)) throw error;
        // The bot answers without a store it cannot open; only votes and the queue are lost.
        say(false, `feedback store: ${describeError(error)} — the bot answers without votes or the unanswered queue until the file is fixed or moved away`);
      }
    }

    if (clientId) {
      process.stdout.write(`\nInvite the bot (scopes bot + applications.commands, no extra permissions needed):\n${inviteUrl(clientId)}\n`);
    }
    return healthy ? EXIT.ok : EXIT.failure;
  });
}

runAsProgram(import.meta.url, main);
