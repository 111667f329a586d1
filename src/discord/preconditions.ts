import { channelMention } from 'discord.js';
import type { Precondition, PreconditionResult } from './context.js';
import { isModerator } from './permissions.js';

const PASS: PreconditionResult = { ok: true };

/**
 * Moderators only (Manage Server, or one of `MODERATOR_ROLE_IDS`), checked on the bot's side
 * whatever the command's default permissions say. `action` completes "Only moderators … can".
 */
export function moderatorOnly(action: string): Precondition {
  return {
    name: 'moderator-only',
    run: (interaction, context) =>
      isModerator(interaction, context.config.moderatorRoleIds)
        ? PASS
        : { ok: false, message: `Only moderators (Manage Server, or a moderator role) can ${action}.` },
  };
}

/** Only in the channels of `ALLOWED_CHANNEL_IDS` (and their threads), when it is set; anywhere otherwise. */
export const inAllowedChannel: Precondition = {
  name: 'allowed-channel',
  run(interaction, context) {
    const allowed = context.config.allowedChannelIds;
    if (allowed.length === 0 || (interaction.channelId !== null && allowed.includes(interaction.channelId))) return PASS;
    // A thread of an allowed channel is part of it.
    const parentId = interaction.channel?.isThread() ? interaction.channel.parentId : null;
    if (parentId !== null && allowed.includes(parentId)) return PASS;
    return { ok: false, message: `I answer questions in ${allowed.map((id) => channelMention(id)).join(', ')}. Ask there, please.` };
  },
};

/** Within the member's share of `ASK_RATE_LIMIT`; passing takes one question from it. */
export const withinAskRateLimit: Precondition = {
  name: 'ask-rate-limit',
  run(interaction, context) {
    const wait = context.askLimiter.take(interaction.user.id);
    return wait > 0 ? { ok: false, message: `You're asking quickly — try again in ${wait} s.` } : PASS;
  },
};
