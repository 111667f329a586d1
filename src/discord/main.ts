import { Events } from 'discord.js';
import { buttons, commands } from '../../commands/index.js';
import { ConfigError, configuredSecrets, loadConfig } from '../config/config.js';
import { isVerbatimError } from '../core/errors.js';
import { createEmbeddings } from '../core/index/embeddings/factory.js';
import { Verbatim } from '../core/service.js';
import { createClient } from './client.js';
import { RecentAnswers } from './context.js';
import { createLogger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import { InteractionRouter } from './router.js';

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
    const embeddings = await createEmbeddings(config.embeddings, () => logger.info('converting the GloVe word vectors once (about 10 s)'));
    verbatim = await Verbatim.open(
      { corpusDir: config.corpusDir, indexDir: config.indexDir, embeddings, answer: { maxQuotes: config.maxQuotes } },
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
  client.on(Events.InteractionCreate, (interaction) => void router.route(interaction));
  client.on(Events.Error, (error) => logger.error('client error', error));
  client.on(Events.ShardDisconnect, (event, shard) => logger.warn(`gateway shard ${shard} disconnected (${event.code}); reconnecting`));
  client.on(Events.ShardResume, (shard, replayed) => logger.info(`gateway shard ${shard} resumed (${replayed} events replayed)`));
  client.once(Events.ClientReady, (ready) => logger.info(`ready as ${ready.user.tag}; serving ${commands.map((command) => `/${command.data.name}`).join(' ')}`));

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal}: shutting down`);
      void client.destroy().finally(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  try {
    await client.login(discord.token);
  } catch (error) {
    logger.error('cannot log in to Discord (check DISCORD_TOKEN)', error);
    await client.destroy();
    return 1;
  }
  await stopped;
  return 0;
}
