// `prepare` (run by `npm ci` and `npm install`): builds the product into dist/ when TypeScript
// is installed (`npm run build`: tsc, then the bundled entry points, scripts/bundle.mjs). A
// production install (`npm ci --omit=dev`) has no TypeScript: it keeps the dist/ built
// beforehand, and says what to do when there is none.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (existsSync('dist/src/cli/start.js') && existsSync('dist/bundle/start.js')) process.exit(0);
  process.stderr.write(
    'dist/ is not built and TypeScript is not installed: run `npm ci` with the dev dependencies (then `npm ci --omit=dev` if you want them gone).\n',
  );
  process.exit(1);
}
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
process.exit(bundle.status ?? 1);
