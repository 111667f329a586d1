import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import { causeCodes } from '../core/errors.js';
import { withoutCredentials } from '../core/redact.js';

/** A setup mistake found by talking to Discord: what to tell the admin, and the exit code (2 for the configuration, 1 otherwise). */
export interface SetupProblem {
  message: string;
  exitCode: 1 | 2;
}

/** What an admin does about a token Discord rejects; said by the bot, `doctor` and `deploy-commands` alike. */
export const RESET_THE_TOKEN = 'Reset the token on the Bot page of the Discord Developer Portal and set DISCORD_TOKEN to the new one.';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * What a failed request to Discord's REST API says about the setup, in one line naming the
 * fix; `undefined` for an error that says nothing about it (the caller reports it as
 * unexpected). Shared by `deploy-commands` and `doctor`.
 */
export function discordSetupProblem(error: unknown, config: Pick<DiscordConfig, 'apiBase' | 'clientId' | 'guildId'>): SetupProblem | undefined {
  if (error instanceof DiscordAPIError) {
    if (error.status === 401) {
      return { exitCode: 2, message: `Discord rejected the bot token (HTTP 401). ${RESET_THE_TOKEN}` };
    }
    if (error.code === RESTJSONErrorCodes.UnknownApplication) {
      return {
        exitCode: 2,
        message: `Discord knows no application ${config.clientId} (DISCORD_CLIENT_ID): copy the Application ID from the General Information page of the Developer Portal.`,
      };
    }
    if (error.code === RESTJSONErrorCodes.UnknownGuild) {
      return {
        exitCode: 2,
        message: `Discord knows no server ${config.guildId ?? ''} for this bot (DISCORD_GUILD_ID): check the id, and invite the bot there with the link \`npm run doctor\` prints.`,
      };
    }
    if (error.code === RESTJSONErrorCodes.MissingAccess) {
      const where = config.guildId ? `the server ${config.guildId} (DISCORD_GUILD_ID)` : 'this application';
      return {
        exitCode: 2,
        message: `Discord refused access to the commands of ${where} (50001 Missing Access): check that DISCORD_CLIENT_ID is the application of this token, and that the bot was invited${config.guildId ? ' to that server' : ''} with the applications.commands scope (the link \`npm run doctor\` prints has it).`,
      };
    }
    if (error.status >= 500)
      return { exitCode: 1, message: `Discord answered HTTP ${error.status} (${error.message}): its API is having trouble; try again in a few minutes.` };
    return undefined;
  }
  const code = causeCodes(error).find((candidate) => NETWORK_CODES.has(candidate));
  if (code)
    return {
      exitCode: 1,
      message: `cannot reach Discord at ${withoutCredentials(config.apiBase)} (${code}): check the network, a proxy, and DISCORD_API_BASE.`,
    };
  // @discordjs/rest aborts a request that gets no answer within its timeout.
  if (error instanceof Error && error.name === 'AbortError') {
    return {
      exitCode: 1,
      message: `Discord at ${withoutCredentials(config.apiBase)} did not answer in time: check the network, a proxy, and DISCORD_API_BASE, then try again.`,
    };
  }
  return undefined;
}

/** An application command as Discord compares it: what a member sees and what it does. */
type CommandJson = Record<string, unknown>;

/** The parts of an option that change the command for members, defaults made explicit. */
function canonicalOption(option: CommandJson): CommandJson {
  return {
    type: option.type,
    name: option.name,
    description: option.description ?? '',
    required: option.required ?? false,
    autocomplete: option.autocomplete ?? false,
    choices: option.choices ?? [],
    options: ((option.options as CommandJson[] | undefined) ?? []).map(canonicalOption),
    min_value: option.min_value ?? null,
    max_value: option.max_value ?? null,
    min_length: option.min_length ?? null,
    max_length: option.max_length ?? null,
  };
}

function canonicalCommand(command: CommandJson): string {
  return JSON.stringify({
    name: command.name,
    description: command.description ?? '',
    options: ((command.options as CommandJson[] | undefined) ?? []).map(canonicalOption),
    default_member_permissions: command.default_member_permissions ?? null,
  });
}

/** How a command is named to people: `/ask` for a slash command, `"Find in articles" (message menu)` for a message command. */
export function commandLabel(command: { name?: unknown; type?: unknown }): string {
  return command.type === 3 ? `"${String(command.name)}" (message menu)` : `/${String(command.name)}`;
}

/**
 * How the commands registered with Discord differ from the local ones, one phrase each
 * (`missing /help`, `changed /ask`, `extra /old`); empty when they match.
 */
export function commandDifferences(local: readonly CommandJson[], registered: readonly CommandJson[]): string[] {
  const registeredByName = new Map(registered.map((command) => [command.name, command]));
  const localNames = new Set(local.map((command) => command.name));
  return [
    ...local.flatMap((command) => {
      const other = registeredByName.get(command.name);
      if (!other) return [`missing ${commandLabel(command)}`];
      return canonicalCommand(other) === canonicalCommand(command) ? [] : [`changed ${commandLabel(command)}`];
    }),
    ...registered.filter((command) => !localNames.has(command.name)).map((command) => `extra ${commandLabel(command)}`),
  ];
}
