import type { ButtonHandler, Command, ModalHandler } from '../src/discord/context.js';
import { article, articleListPage } from './article.js';
import { ask, showPassages } from './ask.js';
import { findInArticles } from './find-in-articles.js';
import { followUpButton, followUpModal } from './follow-up.js';
import { help } from './help.js';
import { reindex } from './reindex.js';
import { sources } from './sources.js';
import { dismissUnanswered, unanswered } from './unanswered.js';
import { vote } from './vote.js';

/** Every slash command, explicitly: the bot routes to these and deploy-commands registers them. */
export const commands: readonly Command[] = [ask, sources, reindex, article, unanswered, help, findInArticles];

/** Every button handler, by custom-id prefix. */
export const buttons: readonly ButtonHandler[] = [showPassages, vote, articleListPage, dismissUnanswered, followUpButton];

/** Every modal's submit handler, by custom-id prefix. */
export const modals: readonly ModalHandler[] = [followUpModal];
