import { Events } from 'discord.js';
import { buttons, commands } from '../../commands/index.js';
import { ConfigError, configuredSecrets, loadConfig } from '../config/config.js';
import { isVerbatimError } from '../core/errors.js';
import { createEmbeddings } from '../core/index/embeddings/factory.js';
import { Verbatim } from '../core/service.js';
import { createClient, dropMalformedInteractions, fatalGatewayProblem, loginProblem } from './client.js';
import { RecentAnswers } from './context.js';
import { createLogger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import { InteractionRouter } from './router.js';

/** How the bot stops: its exit code, and for a failure the line to log (and the error behind it). */
interface Ending {
  exitCode: number;
  problem?: string;
  error?: unknown;
}

/**
 * `npm start`: validates the configuration, loads (or builds) the index, then logs in.
 * Keeps serving through failed commands, dropped gateways and unhandled rejections;
 * stops cleanly on SIGINT/SIGTERM.
 */
export async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig('bot');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const discord = config.discord!;
  const secrets = configuredSecrets(config);
  const logger = createLogger(secrets);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (still serving)', reason));

  let verbatim: Verbatim;
  try {
    const started = performance.now();
    let converting = 0;
    const embeddings = await createEmbeddings(config.embeddings, (fraction) => {
      if (fraction === 0) {
        converting = performance.now();
        logger.info('converting the GloVe word vectors once (about 10 s, ~200 MB of memory)');
      } else if (fraction === 1) logger.info(`word vectors converted in ${((performance.now() - converting) / 1000).toFixed(1)} s`);
    });
    verbatim = await Verbatim.open(
      { corpusDir: config.corpusDir, indexDir: config.indexDir, embeddings, answer: { maxQuotes: config.maxQuotes }, onLeftovers: (line) => logger.info(line) },
      (progress) => progress.phase === 'embedding' && progress.documentsDone === 0 && logger.info(`no index yet: building it from ${config.corpusDir}`),
    );
    const { manifest } = verbatim;
    logger.info(`index loaded in ${(performance.now() - started).toFixed(0)} ms: ${manifest.documents.length} documents, ${manifest.chunkCount} chunks (${manifest.embeddings.provider}:${manifest.embeddings.model})`);
  } catch (error) {
    if (isVerbatimError(error)) logger.error(`cannot start: ${error.message}`);
    else logger.error('cannot start: loading the index failed unexpectedly', error);
    return 1;
  }

  const client = createClient(discord, secrets);
  const router = new InteractionRouter(commands, buttons, {
    verbatim,
    config: discord,
    logger,
    askLimiter: new RateLimiter(discord.askRateLimit),
    recentAnswers: new RecentAnswers(),
  });
  dropMalformedInteractions(client, logger);
  client.on(Events.InteractionCreate, (interaction) => void router.route(interaction));
  client.on(Events.Error, (error) => logger.error('client error', error));
  let stopping = false;
  // discord.js reports its own close at shutdown as a reconnect too: not worth a warning.
  client.on(Events.ShardReconnecting, (shard) => {
    if (!stopping) logger.warn(`gateway shard ${shard} disconnected; reconnecting`);
  });
  client.on(Events.ShardResume, (shard, replayed) => logger.info(`gateway shard ${shard} resumed (${replayed} events replayed)`));
  client.once(Events.ClientReady, (ready) => logger.info(`ready as ${ready.user.tag}; serving ${commands.map((command) => `/${command.data.name}`).join(' ')}`));

  const stopped = new Promise<Ending>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal}: shutting down`);
      stopping = true;
      void client.destroy().finally(() => resolve({ exitCode: 0 }));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  // After a fatal close code (a bad token, disallowed intents) discord.js stops reconnecting
  // and emits shardDisconnect. During login, login() rejects with a bare "Authentication
  // failed"; once running, nothing settles and the process idled out (exit 13) after a
  // "reconnecting" warning. Either way it is a setup problem, like a bad config: exit 2.
  let refusal: Ending | undefined;
  const refused = new Promise<Ending>((resolve) =>
    client.on(Events.ShardDisconnect, (event, shard) => {
      const problem = fatalGatewayProblem(event.code, client.options.intents);
      refusal ??= problem ? { exitCode: 2, problem } : { exitCode: 1, problem: `Discord closed gateway shard ${shard} (code ${event.code}) and discord.js will not reconnect. Start the bot again.` };
      resolve(refusal);
    }),
  );
  const loggedIn = client.login(discord.token).then(
    () => stopped,
    (error: unknown): Ending => {
      // A refusal during login also rejects login() with a bare "Authentication failed": the refusal says more.
      if (refusal) return refusal;
      const problem = loginProblem(error);
      return problem ? { exitCode: 2, problem } : { exitCode: 1, problem: 'cannot log in to Discord (check DISCORD_TOKEN)', error };
    },
  );
  const ending = await Promise.race([loggedIn, refused, stopped]);
  if (ending.problem !== undefined) {
    stopping = true;
    logger.error(`cannot connect to Discord: ${ending.problem}`, ending.error);
    await client.destroy();
  }
  return ending.exitCode;
}
