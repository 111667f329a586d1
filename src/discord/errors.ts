import { DiskFullError, isVerbatimError, type Remedy, type VerbatimError } from '../core/errors.js';

/** Each {@link Remedy} as the bot says it: its moderators have `/reindex`, its admins the shell. */
const REMEDIES: Record<Remedy, string> = {
  'build-index': 'Build it with `npm run index`.',
  'rebuild-index': 'Rebuild it with `npm run index`.',
  reindex: 'Reindex (`npm run index`, or /reindex in Discord) to use them.',
  'free-space-and-reindex': 'Free some space and run /reindex (or `npm run index`) again.',
  'choose-index-folder': 'Set INDEX_DIR (or --index) to a new or empty folder, or move that folder away yourself.',
  'wait-for-reindex': 'Wait for it to finish; /ask keeps answering meanwhile.',
};

/** A core error as the bot words it: what happened, then what to do in Discord's (or the host's) terms. */
export function describeError(error: VerbatimError): string {
  if (error instanceof DiskFullError) return `Disk full at ${error.directory}: free some space and run /reindex (or \`npm run index\`) again.`;
  return error.remedy === undefined ? error.message : `${error.message} ${REMEDIES[error.remedy]}`;
}

/** {@link describeError} for a core error, the message of any other. */
export function describeAnyError(error: Error): string {
  return isVerbatimError(error) ? describeError(error) : error.message;
}
