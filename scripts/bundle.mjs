// Part of `npm run build`, after tsc: bundles the two entry points whose cold start counts,
// `ask` and the bot (`start`), each into one file (dist/bundle/ask.js, dist/bundle/start.js), so
// that Node reads and links one module instead of hundreds (discord.js alone is ~300 files).
// The unbundled dist/src/ stays: the other commands, the worker threads and the tests run it.
//
// Every bundled module of ours keeps its own `import.meta.url` (that of its compiled file under
// dist/src/), so that what it finds relative to itself (package.json, worker scripts, the
// module a build worker imports) is found as before; only the entry module sees the bundle's
// own URL, which is how it knows that it is the program Node was started with.
//
// esbuild writes dist/bundle/<entry>.meta.json: the modules and packages each bundle holds
// (test/core/architecture.test.ts reads it).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/bundle');
const ENTRIES = ['ask', 'start'];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production install has no esbuild: the unbundled dist/src/ entry points still run.
  process.stderr.write('esbuild is not installed: dist/bundle/ not built (npm run ask and npm start will be slower to start).\n');
  process.exit(1);
}

/** Native addons and optional native speed-ups stay outside the bundle, loaded from node_modules. */
const EXTERNAL = ['hnswlib-node', 'zlib-sync', 'bufferutil', 'utf-8-validate', 'erlpack', '@discordjs/voice'];

/** Gives each compiled module of ours the URL of its own file under dist/src/ in place of `import.meta.url`. */
function ownModuleUrls(entryFile) {
  return {
    name: 'own-module-urls',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(path.join(ROOT, 'dist') + path.sep) || args.path === entryFile) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const relative = path.relative(OUT, args.path).split(path.sep).join('/');
        return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
      });
    },
  };
}

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
for (const entry of ENTRIES) {
  const entryFile = path.join(ROOT, 'dist/src/cli', `${entry}.js`);
  const result = await esbuild.build({
    entryPoints: [entryFile],
    outfile: path.join(OUT, `${entry}.js`),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS packages bundled into ESM call `require` for Node's built-ins.
    banner: { js: "import { createRequire as __verbatimCreateRequire } from 'node:module'; const require = __verbatimCreateRequire(import.meta.url);" },
    plugins: [ownModuleUrls(entryFile)],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await writeFile(path.join(OUT, `${entry}.meta.json`), JSON.stringify(result.metafile));
}
