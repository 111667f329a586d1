import type { Server } from 'node:http';
import { Events, MessageFlags, Status } from 'discord.js';
import { ConfigError, configuredSecrets, loadConfig, type Config } from '../config/config.js';
import { isVerbatimError } from '../core/errors.js';
import { feedbackStoreFile } from '../core/feedback/store.js';
import { describeError } from './errors.js';
import { assertIndexFolderReplaceable } from '../core/index/corpus-index.js';
import { announceConversion, createEmbeddings } from '../core/index/embeddings/factory.js';
import type { DescribedEmbeddings } from '../core/index/embeddings/provider.js';
import { Verbatim, type VerbatimOptions } from '../core/service.js';
import { createClient, dropMalformedInteractions, fatalGatewayProblem, loginProblem } from './client.js';
import { Feedback } from './feedback.js';
import { startHealthServer } from './health.js';
import type { ButtonHandler, Command, ModalHandler } from './context.js';
import { createLogger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import { InteractionRouter } from './router.js';

/** What the bot serves: its commands and the handlers of the buttons and modals they show, passed in by the program that runs it (src/cli/start.ts). */
export interface BotHandlers {
  commands: readonly Command[];
  buttons: readonly ButtonHandler[];
  modals: readonly ModalHandler[];
}

/** How the bot stops: its exit code, and for a failure the line to log (and the error behind it). */
interface Ending {
  exitCode: number;
  problem?: string;
  error?: unknown;
}

/** How long shutting down may wait for the gateway connection to close. */
const SHUTDOWN_GRACE_MS = 2000;

/** The reply to an interaction that arrives while the index is still loading. */
const STARTING_UP = "I'm starting up and still loading the articles. Ask again in a few seconds.";

/**
 * The bot (`npm start`): validates the configuration, logs in to Discord (so a bad token or application
 * id is reported at once, before any index work), loads the index (building it when there is
 * none), then answers. Keeps serving through failed commands, dropped gateways and unhandled
 * rejections; stops cleanly on SIGINT/SIGTERM.
 */
export async function runBot({ commands, buttons, modals }: BotHandlers): Promise<number> {
  let config: Config;
  try {
    config = loadConfig('bot');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const discord = config.discord!;
  const secrets = configuredSecrets(config);
  const logger = createLogger(secrets, { format: discord.logFormat });
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (still serving)', reason, { event: 'unhandled-rejection' }));
  const startedAt = new Date();
  /** The core's own errors are worded with what to do; anything else needs its stack. */
  const cannotStart = (error: unknown) => {
    if (isVerbatimError(error)) logger.error(`cannot start: ${describeError(error)}`, undefined, { event: 'fatal' });
    else logger.error('cannot start: loading the index failed unexpectedly', error, { event: 'fatal' });
  };
  try {
    // A folder Verbatim must not touch is found before anything else, in milliseconds.
    await assertIndexFolderReplaceable(config.indexDir);
  } catch (error) {
    if (!isVerbatimError(error)) throw error;
    cannotStart(error);
    return 1;
  }

  const client = createClient(discord, secrets);
  let verbatim: Verbatim | undefined;
  let router: InteractionRouter | undefined;
  let health: Server | undefined;
  let feedback: Feedback | undefined;
  if (discord.health) {
    try {
      health = await startHealthServer(discord.health, () => ({
        gatewayReady: client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),
        ...(verbatim
          ? {
              index: {
                builtAt: verbatim.manifest.builtAt,
                documents: verbatim.manifest.documents.length,
                chunks: verbatim.manifest.chunkCount,
                ...(verbatim.indexDamage ? { damaged: verbatim.indexDamage.reason } : {}),
              },
            }
          : {}),
        ...(verbatim?.lastReindex ? { lastReindex: verbatim.lastReindex } : {}),
        startedAt,
      }));
      logger.info(`health report at http://${discord.health.host}:${discord.health.port}/healthz`, { event: 'health' });
    } catch (error) {
      logger.error(
        `cannot serve the health report on ${discord.health.host}:${discord.health.port} (HEALTH_HOST, HEALTH_PORT): ${(error as Error).message}`,
        undefined,
        { event: 'fatal' },
      );
      return 2;
    }
  }

  client.on(Events.InteractionCreate, (interaction) => {
    if (router) void router.route(interaction);
    else if (interaction.isRepliable()) {
      void interaction
        .reply({ content: STARTING_UP, flags: MessageFlags.Ephemeral })
        .catch((error: unknown) => logger.warn(`interaction ${interaction.id} during start-up: cannot answer (${String(error)})`));
    }
  });
  dropMalformedInteractions(client, logger);
  client.on(Events.Error, (error) => logger.error('client error', error, { event: 'client-error' }));
  let stopping = false;
  // discord.js reports its own close at shutdown as a reconnect too: not worth a warning.
  client.on(Events.ShardReconnecting, (shard) => {
    if (!stopping) logger.warn(`gateway shard ${shard} disconnected; reconnecting`, { event: 'gateway' });
  });
  client.on(Events.ShardResume, (shard, replayed) => logger.info(`gateway shard ${shard} resumed (${replayed} events replayed)`, { event: 'gateway' }));

  const stopped = new Promise<Ending>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal}: shutting down`, { event: 'shutdown' });
      stopping = true;
      resolve({ exitCode: 0 });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  // After a fatal close code (a bad token, disallowed intents) discord.js stops reconnecting
  // and emits shardDisconnect. During login, login() rejects with a bare "Authentication
  // failed"; once running, nothing settles and the process idled out (exit 13) after a
  // "reconnecting" warning. Either way it is a setup problem, like a bad config: exit 2.
  let refusal: Ending | undefined;
  const refused = new Promise<Ending>((resolve) => {
    client.on(Events.ShardDisconnect, (event, shard) => {
      const problem = fatalGatewayProblem(event.code, client.options.intents);
      refusal ??= problem
        ? { exitCode: 2, problem }
        : { exitCode: 1, problem: `Discord closed gateway shard ${shard} (code ${event.code}) and discord.js will not reconnect. Start the bot again.` };
      resolve(refusal);
    });
    // A token of another application than DISCORD_CLIENT_ID: commands deployed with the
    // configured id would never reach this bot.
    client.once(Events.ClientReady, (ready) => {
      if (ready.application.id !== discord.clientId) {
        resolve({
          exitCode: 2,
          problem: `DISCORD_CLIENT_ID is ${discord.clientId}, but the token belongs to application ${ready.application.id}: set DISCORD_CLIENT_ID to ${ready.application.id} (or use that application's token).`,
        });
      }
    });
  });
  // The word vectors (most of what loading takes) and an existing index are read while the
  // gateway connects; serve() waits for them. Building a missing index is left for after the
  // login (a refused bot never builds one), and so is reporting an unusable one.
  const loadingStarted = performance.now();
  const embeddingsLoading = loadEmbeddings();
  const indexOptions = (embeddings: DescribedEmbeddings): VerbatimOptions => ({
    corpusDir: config.corpusDir,
    indexDir: config.indexDir,
    embeddings,
    answer: { maxQuotes: config.maxQuotes },
    onLeftovers: (line) => logger.info(line, { event: 'index' }),
  });
  const existingLoading = embeddingsLoading.then((embeddings) => Verbatim.openExisting(indexOptions(embeddings)));
  // Awaited by serve() only: a refused login ends the bot without asking for them.
  embeddingsLoading.catch(() => undefined);
  existingLoading.catch(() => undefined);
  const loggedIn = client.login(discord.token).then(
    () => undefined,
    (error: unknown): Ending => {
      // A refusal during login also rejects login() with a bare "Authentication failed": the refusal says more.
      if (refusal) return refusal;
      const problem = loginProblem(error);
      return problem
        ? { exitCode: 2, problem }
        : {
            exitCode: 1,
            problem: `cannot log in to Discord: ${(error as Error).message ?? String(error)}. Check the network and DISCORD_API_BASE; the bot exits so that its supervisor can start it again.`,
          };
    },
  );
  const notLoggedIn = await Promise.race([loggedIn, refused, stopped]);
  const ending = notLoggedIn ?? (await Promise.race([serve(), refused, stopped]));
  stopping = true;
  if (ending.problem !== undefined) logger.error(`cannot connect to Discord: ${ending.problem}`, ending.error, { event: 'fatal' });
  // Bounded: a supervisor waits a few seconds after SIGTERM, then kills; the log must say we stopped.
  const closed = await Promise.race([
    client.destroy().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS).unref()),
  ]);
  if (!closed) logger.warn(`the Discord connection did not close within ${SHUTDOWN_GRACE_MS / 1000} s; stopping anyway`, { event: 'shutdown' });
  feedback?.close();
  // Monitors keep their connections alive; they must not keep a stopping bot running.
  health?.close();
  health?.closeAllConnections();
  if (ending.exitCode === 0) logger.info('stopped', { event: 'shutdown' });
  // discord.js can leave a reconnect timer behind when Discord was unreachable at the end:
  // a supervisor (docker stop, systemd) must see the process end, so it ends regardless.
  setTimeout(() => process.exit(ending.exitCode), 1000).unref();
  return ending.exitCode;

  /** The configured embeddings, saying when the word vectors are converted first. */
  function loadEmbeddings() {
    return createEmbeddings(
      config.embeddings,
      announceConversion((line) => logger.info(line, { event: 'index' })),
    );
  }

  /** Loads the index, then routes interactions until stopped; settles only when loading fails. */
  async function serve(): Promise<Ending> {
    try {
      const embeddings = await embeddingsLoading;
      verbatim =
        (await existingLoading) ??
        (await Verbatim.open(
          indexOptions(embeddings),
          (progress) =>
            progress.phase === 'embedding' &&
            progress.documentsDone === 0 &&
            logger.info(`no index yet: building it from ${config.corpusDir}`, { event: 'index' }),
        ));
      const { manifest } = verbatim;
      logger.info(
        `index loaded in ${(performance.now() - loadingStarted).toFixed(0)} ms: ${manifest.documents.length} documents, ${manifest.chunkCount} chunks (${manifest.embeddings.provider}:${manifest.embeddings.model})`,
        { event: 'index' },
      );
    } catch (error) {
      cannotStart(error);
      return { exitCode: 1 };
    }
    // `npm run index` beside the bot: answer from what it saved, as after a /reindex.
    verbatim.watchIndexFolder((outcome) => {
      if (outcome.ok)
        logger.info(`index reloaded: another process saved a new index in ${config.indexDir} (${outcome.documents} documents)`, { event: 'index' });
      else logger.warn(`a new index in ${config.indexDir} could not be loaded, still answering from the previous one: ${outcome.error}`, { event: 'index' });
    });
    // Votes and the unanswered queue: a store that cannot be opened is logged, and answering goes on.
    feedback = new Feedback(
      { file: feedbackStoreFile(discord.dataDir), retention: { days: discord.feedback.retentionDays, maxRows: discord.feedback.maxRows } },
      logger,
    ).start();
    router = new InteractionRouter(
      { commands, buttons, modals },
      {
        verbatim,
        config: discord,
        logger,
        askLimiter: new RateLimiter(discord.askRateLimit),
        feedback,
      },
    );
    logger.info(`ready as ${client.user?.tag ?? 'the bot'}; serving ${commands.map((command) => command.data.name).join(', ')}`, { event: 'ready' });
    return new Promise<Ending>(() => {});
  }
}
