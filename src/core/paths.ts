import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Whether `candidate` is `folder` itself or lies somewhere inside it. Both are made absolute
 * first; no symbolic link is followed (resolve them first when a link could disguise a folder).
 */
export function isSameOrInside(candidate: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(candidate));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The absolute form of `target` with every symbolic link resolved in the part of it that
 * exists; the part that does not exist yet is appended as written. Used to compare folders
 * that may be reached through links, or may not have been created yet.
 */
export function resolveLinksSync(target: string): string {
  const absolute = path.resolve(target);
  const missing: string[] = [];
  for (let existing = absolute; ; existing = path.dirname(existing)) {
    try {
      return path.join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      if (path.dirname(existing) === existing) return absolute;
      missing.push(path.basename(existing));
    }
  }
}

let root: string | undefined;

/**
 * The project's root: the folder holding its package.json, found above this module wherever it
 * runs from (src/core/, dist/src/core/, dist-dev/src/core/, or bundled into dist/bundle/).
 */
export function projectRoot(): string {
  if (root === undefined) {
    let folder = path.dirname(fileURLToPath(import.meta.url));
    while (!existsSync(path.join(folder, 'package.json')) && path.dirname(folder) !== folder) folder = path.dirname(folder);
    root = folder;
  }
  return root;
}

/**
 * The URL of the compiled JavaScript for a module of this project, for code that must be
 * loaded by plain Node (a worker thread's script, a module the worker imports). Compiled code
 * (dist/…/x.js) maps to itself; a TypeScript source (…/x.ts, as tests run it) maps to its tsc
 * output under dist/, which `npm test` builds first.
 */
export function compiledModuleUrl(moduleUrl: string | URL): string {
  const file = fileURLToPath(moduleUrl);
  if (!file.endsWith('.ts')) return pathToFileURL(file).href;
  const root = projectRoot();
  return pathToFileURL(path.join(root, 'dist', path.relative(root, file)).replace(/\.ts$/, '.js')).href;
}
