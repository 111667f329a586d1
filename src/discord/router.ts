import {
  ApplicationCommandType,
  DiscordAPIError,
  MessageFlags,
  RESTJSONErrorCodes,
  type AutocompleteInteraction,
  type Interaction,
  type RepliableInteraction,
} from 'discord.js';
import { isVerbatimError, referenceId } from '../core/errors.js';
import { describeError } from './errors.js';
import type { BotContext, ButtonHandler, Command, MessageCommand, ModalHandler, Precondition, SlashCommand } from './context.js';
import { CallbackUndeliveredError } from './interaction-callbacks.js';

/** Errors that only mean the interaction can no longer be answered: log, never crash. */
const GONE = new Set<number | string>([RESTJSONErrorCodes.UnknownInteraction, RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged]);

/** How the log names an interaction: `/ask`, `message command Find in articles`, `button passages:…`. */
function interactionLabel(interaction: Interaction): string {
  if (interaction.isChatInputCommand()) return `/${interaction.commandName}`;
  if (interaction.isAutocomplete()) return `autocomplete /${interaction.commandName}`;
  if (interaction.isMessageContextMenuCommand()) return `message command ${interaction.commandName}`;
  if (interaction.isButton()) return `button ${interaction.customId}`;
  if (interaction.isModalSubmit()) return `modal ${interaction.customId}`;
  return 'interaction';
}

/** Whether a registered command is a message's context-menu command (else a slash command). */
function isMessageCommand(command: Command): command is MessageCommand {
  return command.data.toJSON().type === ApplicationCommandType.Message;
}

async function replyWithError(interaction: RepliableInteraction, content: string): Promise<void> {
  const message = { content };
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
  private readonly slashCommands = new Map<string, SlashCommand>();
  private readonly messageCommands = new Map<string, MessageCommand>();

  private readonly buttons: readonly ButtonHandler[];
  private readonly modals: readonly ModalHandler[];

  constructor(
    handlers: { commands: readonly Command[]; buttons?: readonly ButtonHandler[]; modals?: readonly ModalHandler[] },
    private readonly context: BotContext,
  ) {
    this.buttons = handlers.buttons ?? [];
    this.modals = handlers.modals ?? [];
    for (const command of handlers.commands) {
      if (isMessageCommand(command)) this.messageCommands.set(command.data.name, command);
      else this.slashCommands.set(command.data.name, command);
    }
  }

  /** Handles one interaction, then logs it with its latency; never rejects. */
  async route(interaction: Interaction): Promise<void> {
    const started = performance.now();
    if (interaction.isAutocomplete()) await this.suggest(interaction);
    else if (interaction.isRepliable()) await this.handle(interaction);
    else return;
    const latencyMs = Math.round(performance.now() - started);
    this.context.logger.info(`${interactionLabel(interaction)} handled in ${latencyMs} ms`, {
      event: 'interaction',
      interactionId: interaction.id,
      guildId: interaction.guildId,
      userId: interaction.user.id,
      latencyMs,
    });
  }

  private async handle(interaction: RepliableInteraction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) {
        const command = this.slashCommands.get(interaction.commandName);
        if (!command) {
          await replyWithError(interaction, `I don't know /${interaction.commandName} any more. Try /help.`);
          return;
        }
        if (await this.passes(interaction, command.preconditions)) await command.execute(interaction, this.context);
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = this.messageCommands.get(interaction.commandName);
        if (!command) {
          await replyWithError(interaction, `I don't know "${interaction.commandName}" any more. Try /help.`);
          return;
        }
        if (await this.passes(interaction, command.preconditions)) await command.execute(interaction, this.context);
      } else if (interaction.isButton()) {
        const handler = this.buttons.find((button) => interaction.customId.startsWith(button.prefix));
        if (handler && (await this.passes(interaction, handler.preconditions))) await handler.execute(interaction, this.context);
      } else if (interaction.isModalSubmit()) {
        const handler = this.modals.find((modal) => interaction.customId.startsWith(modal.prefix));
        if (handler && (await this.passes(interaction, handler.preconditions))) await handler.execute(interaction, this.context);
      }
    } catch (error) {
      await this.fail(interaction, error);
    }
  }

  /** Runs the declared preconditions in order; the first refusal is the (ephemeral) reply. */
  private async passes(interaction: RepliableInteraction, preconditions: readonly Precondition[] = []): Promise<boolean> {
    for (const precondition of preconditions) {
      const result = precondition.run(interaction, this.context);
      if (!result.ok) {
        await interaction.reply({ content: result.message, flags: MessageFlags.Ephemeral });
        return false;
      }
    }
    return true;
  }

  /**
   * Option suggestions: an autocomplete cannot carry an error message, so a failure is logged
   * and answered with no suggestions (the member can still type a value).
   */
  private async suggest(interaction: AutocompleteInteraction): Promise<void> {
    const command = this.slashCommands.get(interaction.commandName);
    try {
      if (command?.autocomplete) await command.autocomplete(interaction, this.context);
      else await interaction.respond([]);
    } catch (error) {
      const gone = error instanceof DiscordAPIError && GONE.has(error.code);
      if (gone) this.context.logger.warn(`${interactionLabel(interaction)} ${interaction.id}: cannot answer (${error.code} ${error.message})`);
      else this.context.logger.error(`${interactionLabel(interaction)} ${interaction.id} failed`, error);
      if (!interaction.responded && !gone) await interaction.respond([]).catch(() => undefined);
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
      logger.error(
        `${what} ${interaction.id}: could not acknowledge it, Discord unreachable (${error.failures.length} attempts: ${error.failures.join(', ')}); the member sees "The application did not respond"`,
      );
      return;
    }
    let content: string;
    if (isVerbatimError(error) && error.forMembers) {
      content = describeError(error);
      logger.warn(`${what} ${interaction.id}: ${content}`);
    } else if (isVerbatimError(error)) {
      // Written for the admins (an internal URL, a folder): the member gets a reference to it.
      const ref = referenceId();
      content = `I can't answer right now (ref ${ref}). The moderators can find the details in the log.`;
      logger.error(`${what} ${interaction.id} failed (ref ${ref}): ${describeError(error)}`);
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
