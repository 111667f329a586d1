import type { ButtonInteraction, ChatInputCommandInteraction, SlashCommandOptionsOnlyBuilder } from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import type { Citation } from '../core/answer/types.js';
import type { Verbatim } from '../core/service.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from './rate-limit.js';

/** The services a command works with, passed in (no globals). */
export interface BotContext {
  verbatim: Verbatim;
  config: DiscordConfig;
  logger: Logger;
  askLimiter: RateLimiter;
  /** Citations of recent answers by interaction id, for the "Show passages" button. */
  recentAnswers: RecentAnswers;
}

/** One slash command: its definition for Discord and what it does. */
export interface Command {
  data: Pick<SlashCommandOptionsOnlyBuilder, 'name' | 'toJSON'>;
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
}

/** A button's handler, found by the prefix of its custom id. */
export interface ButtonHandler {
  prefix: string;
  execute(interaction: ButtonInteraction, context: BotContext): Promise<void>;
}

/** A bounded, time-limited memory of the citations behind recent answers. */
export class RecentAnswers {
  private readonly answers = new Map<string, { citations: Citation[]; at: number }>();

  constructor(
    private readonly capacity = 1000,
    private readonly ttlMs = 60 * 60 * 1000,
  ) {}

  remember(id: string, citations: Citation[]): void {
    this.answers.set(id, { citations, at: Date.now() });
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value!);
  }

  recall(id: string): Citation[] | undefined {
    const entry = this.answers.get(id);
    if (!entry || Date.now() - entry.at > this.ttlMs) return undefined;
    return entry.citations;
  }
}
