import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  ContextMenuCommandBuilder,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  RepliableInteraction,
  SlashCommandOptionsOnlyBuilder,
  SlashCommandSubcommandsOnlyBuilder,
} from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import type { Verbatim } from '../core/service.js';
import type { Feedback } from './feedback.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from './rate-limit.js';

/** The services a command works with, passed in (no globals). */
export interface BotContext {
  verbatim: Verbatim;
  config: DiscordConfig;
  logger: Logger;
  askLimiter: RateLimiter;
  /** Votes and the unanswered queue; absent where nothing is recorded (some tests). */
  feedback?: Feedback;
}

/** What a precondition decides: go on, or refuse with a reply only the member sees. */
export type PreconditionResult = { ok: true } | { ok: false; message: string };

/**
 * A check that several commands share (moderators only, allowed channels, the rate limit),
 * declared on each command that needs it and run by the router, in order, before `execute`:
 * the first refusal is the reply, and the later checks do not run (a refused member spends
 * no rate-limit token).
 */
export interface Precondition {
  readonly name: string;
  run(interaction: RepliableInteraction, context: BotContext): PreconditionResult;
}

/** What every handler declares beside its `execute`. */
interface Guarded {
  /** Run before `execute`, in this order. */
  readonly preconditions?: readonly Precondition[];
}

/** A slash command: its definition for Discord, what it does, and its option suggestions. */
export interface SlashCommand extends Guarded {
  readonly data: Pick<SlashCommandOptionsOnlyBuilder | SlashCommandSubcommandsOnlyBuilder, 'name' | 'toJSON'>;
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
  /** Suggestions for the option being typed; preconditions do not apply (nothing is done yet). */
  autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
}

/** A command in a message's context menu (Apps → …), run on that message. */
export interface MessageCommand extends Guarded {
  readonly data: Pick<ContextMenuCommandBuilder, 'name' | 'toJSON'>;
  execute(interaction: MessageContextMenuCommandInteraction, context: BotContext): Promise<void>;
}

/** Anything deploy-commands registers and the router dispatches by name. */
export type Command = SlashCommand | MessageCommand;

/** A button's or a modal's handler, found by the prefix of the custom id it set. */
export interface ComponentHandler<I extends ButtonInteraction | ModalSubmitInteraction> extends Guarded {
  readonly prefix: string;
  execute(interaction: I, context: BotContext): Promise<void>;
}

export type ButtonHandler = ComponentHandler<ButtonInteraction>;
export type ModalHandler = ComponentHandler<ModalSubmitInteraction>;
