import { randomBytes } from 'node:crypto';
import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type Interaction, type RepliableInteraction } from 'discord.js';
import { isVerbatimError } from '../core/errors.js';
import type { BotContext, ButtonHandler, Command } from './context.js';
import { CallbackUndeliveredError } from './interaction-callbacks.js';
import { NO_MENTIONS } from './replies.js';

/** Errors that only mean the interaction can no longer be answered: log, never crash. */
const GONE = new Set<number | string>([RESTJSONErrorCodes.UnknownInteraction, RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged]);

/** A short id shown to the member and written to the log, to find one failure among many. */
function referenceId(): string {
  return randomBytes(3).toString('hex').toUpperCase();
}

/** How the log names an interaction: `/ask`, `button passages:…`. */
function interactionLabel(interaction: RepliableInteraction): string {
  return interaction.isChatInputCommand() ? `/${interaction.commandName}` : interaction.isButton() ? `button ${interaction.customId}` : 'interaction';
}

async function replyWithError(interaction: RepliableInteraction, content: string): Promise<void> {
  const message = { content, allowedMentions: NO_MENTIONS };
  if (interaction.deferred || interaction.replied) await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
}

/**
 * Routes interactions to the commands and buttons, and turns every failure into a reply:
 * the core's own errors meant for members as they are worded; those meant for the admins as
 * "I can't answer right now (ref …)", anything else as "Something went wrong (ref …)", with
 * the details under the same ref in the log. An interaction that expired, was already
 * answered, or could not be acknowledged at all (Discord unreachable) is only logged.
 */
export class InteractionRouter {
  private readonly commands: Map<string, Command>;

  constructor(
    commands: readonly Command[],
    private readonly buttons: readonly ButtonHandler[],
    private readonly context: BotContext,
  ) {
    this.commands = new Map(commands.map((command) => [command.data.name, command]));
  }

  /** Handles one interaction, then logs it with its latency; never rejects. */
  async route(interaction: Interaction): Promise<void> {
    if (!interaction.isRepliable()) return;
    const started = performance.now();
    await this.handle(interaction);
    const what = interactionLabel(interaction);
    const latencyMs = Math.round(performance.now() - started);
    this.context.logger.info(`${what} handled in ${latencyMs} ms`, { event: 'interaction', interactionId: interaction.id, guildId: interaction.guildId, userId: interaction.user.id, latencyMs });
  }

  private async handle(interaction: RepliableInteraction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) {
        const command = this.commands.get(interaction.commandName);
        if (!command) {
          await replyWithError(interaction, `I don't know /${interaction.commandName} any more. Try /help.`);
          return;
        }
        await command.execute(interaction, this.context);
      } else if (interaction.isButton()) {
        const handler = this.buttons.find((button) => interaction.customId.startsWith(button.prefix));
        if (handler) await handler.execute(interaction, this.context);
      }
    } catch (error) {
      await this.fail(interaction, error);
    }
  }

  private async fail(interaction: RepliableInteraction, error: unknown): Promise<void> {
    const { logger } = this.context;
    const what = interactionLabel(interaction);
    if (error instanceof DiscordAPIError && GONE.has(error.code)) {
      logger.warn(`${what} ${interaction.id}: cannot answer (${error.code} ${error.message})`);
      return;
    }
    if (error instanceof CallbackUndeliveredError) {
      // An error reply would go the same way, and Discord already tells the member it failed.
      logger.error(`${what} ${interaction.id}: could not acknowledge it, Discord unreachable (${error.failures.length} attempts: ${error.failures.join(', ')}); the member sees "The application did not respond"`);
      return;
    }
    let content: string;
    if (isVerbatimError(error) && error.forMembers) {
      content = error.message;
      logger.warn(`${what} ${interaction.id}: ${error.message}`);
    } else if (isVerbatimError(error)) {
      // Written for the admins (an internal URL, a folder): the member gets a reference to it.
      const ref = referenceId();
      content = `I can't answer right now (ref ${ref}). The moderators can find the details in the log.`;
      logger.error(`${what} ${interaction.id} failed (ref ${ref}): ${error.message}`);
    } else {
      const ref = referenceId();
      content = `Something went wrong (ref ${ref}). The moderators can find it in the log.`;
      logger.error(`${what} ${interaction.id} failed (ref ${ref})`, error);
    }
    try {
      await replyWithError(interaction, content);
    } catch (replyError) {
      logger.warn(`${what} ${interaction.id}: could not send the error reply: ${String(replyError)}`);
    }
  }
}
