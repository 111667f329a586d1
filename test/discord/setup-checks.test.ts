import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { commandDifferences, discordSetupProblem } from '../../src/discord/setup-checks.js';

const config = { apiBase: 'https://user:secret@proxy.example/api', clientId: '100000000000000001', guildId: '200000000000000002' };

function apiError(status: number, code: number, message: string): DiscordAPIError {
  return new DiscordAPIError({ code, message }, code, status, 'PUT', 'https://discord.com/api/v10/x', {});
}

describe('discordSetupProblem', () => {
  it('names the fix for each refusal that is a setup mistake', () => {
    expect(discordSetupProblem(apiError(403, 50001, 'Missing Access'), config)).toEqual({
      exitCode: 2,
      message: expect.stringMatching(/the server 200000000000000002 .*applications\.commands scope/),
    });
    expect(discordSetupProblem(apiError(404, 10002, 'Unknown Application'), config)?.message).toMatch(
      /no application 100000000000000001 \(DISCORD_CLIENT_ID\)/,
    );
    expect(discordSetupProblem(apiError(404, 10004, 'Unknown Guild'), config)?.message).toMatch(/DISCORD_GUILD_ID/);
    expect(discordSetupProblem(apiError(502, 0, 'Bad Gateway'), config)?.exitCode).toBe(1);
    expect(discordSetupProblem(apiError(400, 50035, 'Invalid Form Body'), config)).toBeUndefined();
  });

  it('says when Discord did not answer in time', () => {
    const timeout = new DOMException('This operation was aborted', 'AbortError');
    expect(discordSetupProblem(timeout, config)).toEqual({
      exitCode: 1,
      message: 'Discord at https://***@proxy.example/api did not answer in time: check the network, a proxy, and DISCORD_API_BASE, then try again.',
    });
  });

  it('shows the API base without its credentials when Discord cannot be reached', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const problem = discordSetupProblem(error, config);
    expect(problem?.message).toBe('cannot reach Discord at https://***@proxy.example/api (ECONNREFUSED): check the network, a proxy, and DISCORD_API_BASE.');
  });
});

describe('commandDifferences', () => {
  const local = commands.map((command) => command.data.toJSON() as unknown as Record<string, unknown>);
  /** The commands as Discord lists them back: ids and defaults filled in. */
  const asRegistered = (list: Record<string, unknown>[]): Record<string, unknown>[] =>
    list.map((command) => ({
      id: '1',
      application_id: '2',
      version: '3',
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...command,
      default_member_permissions: command.default_member_permissions ?? null,
    }));

  it('finds none when Discord holds the local commands', () => {
    expect(commandDifferences(local, asRegistered(local))).toEqual([]);
  });

  it('names missing, changed and extra commands', () => {
    const registered = asRegistered(local).filter((command) => command.name !== 'help');
    registered.push({ ...registered[0]!, name: 'old' });
    registered[0] = { ...registered[0]!, description: 'an older description' };
    expect(commandDifferences(local, registered)).toEqual([`changed /${String(local[0]!.name)}`, 'missing /help', 'extra /old']);
  });
});
