import { PermissionFlagsBits, type Interaction } from 'discord.js';

/**
 * Whether the member behind an interaction may run moderator commands: Manage Server, or
 * one of the configured moderator roles. Checked on the server side, whatever the command's
 * default permissions say, since server admins can override those per channel or role.
 */
export function isModerator(interaction: Interaction, moderatorRoleIds: readonly string[]): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return true;
  const roles = interaction.member?.roles;
  if (!roles || moderatorRoleIds.length === 0) return false;
  // A cached guild gives a role manager, an uncached one the raw list of role ids.
  const roleIds: readonly string[] = Array.isArray(roles) ? roles : [...roles.cache.keys()];
  return roleIds.some((id) => moderatorRoleIds.includes(id));
}
