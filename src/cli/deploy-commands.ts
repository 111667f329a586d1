import { REST, Routes } from 'discord.js';
import { loadConfig } from '../config/config.js';
import { commands } from '../../commands/index.js';
import { commandLabel, discordSetupProblem } from '../discord/setup-checks.js';
import { EXIT, parseFlags, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm run deploy-commands

Registers the slash commands with Discord: in the guild DISCORD_GUILD_ID when it is set
(they appear at once), otherwise globally (they can take up to an hour to appear).`;

/** `npm run deploy-commands` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    parseFlags(args, {});
    const discord = loadConfig('deploy').discord!;
    const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
    const body = commands.map((command) => command.data.toJSON());
    const route = discord.guildId ? Routes.applicationGuildCommands(discord.clientId, discord.guildId) : Routes.applicationCommands(discord.clientId);
    let registered: { name: string; type?: number }[];
    try {
      registered = (await rest.put(route, { body })) as { name: string; type?: number }[];
    } catch (error) {
      const problem = discordSetupProblem(error, discord);
      if (!problem) throw error;
      process.stderr.write(`Error: ${problem.message}\n`);
      return problem.exitCode;
    }
    const names = registered.map(commandLabel).join(' ');
    process.stdout.write(
      discord.guildId
        ? `Registered ${registered.length} commands in guild ${discord.guildId}: ${names}. They are available now.\n`
        : `Registered ${registered.length} commands globally: ${names}. Discord can take up to an hour to show them everywhere; set DISCORD_GUILD_ID for instant guild commands while testing.\n`,
    );
    return EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
