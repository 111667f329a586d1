import { DiskFullError, type Remedy, type VerbatimError } from '../core/errors.js';

/** Each {@link Remedy} as the command line says it. */
const REMEDIES: Record<Remedy, string> = {
  'build-index': 'Build it with `npm run index`.',
  'rebuild-index': 'Rebuild it with `npm run index`.',
  reindex: 'Reindex (`npm run index`) to use them.',
  'free-space-and-reindex': 'Free some space and run `npm run index` again.',
  'choose-index-folder': 'Set INDEX_DIR (or --index) to a new or empty folder, or move that folder away yourself.',
  'wait-for-reindex': 'Wait for it to finish.',
};

/** A core error as the CLI words it: what happened, then the command that sets it right. */
export function describeError(error: VerbatimError): string {
  if (error instanceof DiskFullError) return `Disk full at ${error.directory}: free some space and run \`npm run index\` again.`;
  return error.remedy === undefined ? error.message : `${error.message} ${REMEDIES[error.remedy]}`;
}
