import { Client, GatewayIntentBits } from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import { NO_MENTIONS } from './replies.js';

/**
 * The discord.js client the bot runs on: the Guilds intent only (slash commands need no
 * privileged intent), no mentions parsed by default, and the REST base from the config
 * (Discord itself, a REST proxy, or the tests' emulator).
 */
export function createClient(config: DiscordConfig): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    rest: { api: config.apiBase, globalRequestsPerSecond: config.globalRequestsPerSecond },
  });
}
