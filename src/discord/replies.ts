import type { MessageMentionOptions } from 'discord.js';

/**
 * Parse no mentions at all: neither a quoted article nor an echoed question can ping
 * @everyone, @here, a role or a user. Set on the client: every reply inherits it.
 */
export const NO_MENTIONS: MessageMentionOptions = { parse: [] };
