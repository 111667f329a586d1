// Part of `npm run build`, after tsc: bundles the two entry points whose cold start counts,
// `ask` and the bot (`start`), each into one file under dist/bundle/, so that Node reads and
// links one module instead of hundreds (discord.js alone is ~300 files). The unbundled
// dist/src/ stays: the other commands, the worker threads and the tests run it.
//
// Every bundled module of ours keeps its own `import.meta.url` (that of its compiled file under
// dist/src/), so that what it finds relative to itself (package.json, worker scripts, the
// module a build worker imports) is found as before; only the entry module sees the URL of the
// file Node runs, which is how it knows that it is the program Node was started with.
//
// Each bundle is CommonJS (dist/bundle/ask.cjs, start.cjs), run by a generated loader
// (dist/bundle/ask.js, start.js: what the npm scripts run) that compiles it with vm.Script and
// the V8 code cache of an earlier run (see CODE_CACHE_LOADER below): Node 20 caches no code of
// its own, and ES modules cannot be given any.
//
// esbuild writes dist/bundle/<entry>.meta.json: the modules and packages each bundle holds
// (test/core/architecture.test.ts reads it).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/bundle');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('esbuild is not installed: run `npm ci` with the dev dependencies to build dist/bundle/.\n');
  process.exit(1);
}

/**
 * Native addons and optional native speed-ups stay outside the bundle, loaded from node_modules:
 * a package that finds its addon through `bindings` looks for it beside the file that calls it,
 * which in a bundle is dist/bundle/. Add any new native dependency here.
 */
const EXTERNAL = ['hnswlib-node', 'better-sqlite3', 'zlib-sync', 'bufferutil', 'utf-8-validate', 'erlpack', '@discordjs/voice'];

/**
 * Native addons loaded from where their package's own build puts them. hnswlib-node finds its
 * addon through `bindings`, which works out the package's folder from a stack trace and then
 * tries up to 13 paths, each a failed `require` that makes an error: 10-15 ms of a cold `ask`
 * here, against 3 ms for loading the addon directly. When the addon is not at that path (a debug
 * build, another version's layout), the package is loaded through `bindings` as before.
 */
const ADDON_PATHS = { 'hnswlib-node': 'hnswlib-node/build/Release/addon.node' };

const DIRECT_ADDONS = {
  name: 'direct-addons',
  setup(build) {
    const filter = new RegExp(`^(?:${Object.keys(ADDON_PATHS).join('|')})$`);
    // The package itself, as the fallback inside the replacement module, stays external.
    build.onResolve({ filter }, (args) =>
      args.namespace === 'direct-addon' ? { path: args.path, external: true } : { path: args.path, namespace: 'direct-addon' },
    );
    build.onLoad({ filter: /.*/, namespace: 'direct-addon' }, (args) => ({
      contents: `let addon;
try {
  addon = require(${JSON.stringify(ADDON_PATHS[args.path])});
} catch {
  addon = require(${JSON.stringify(args.path)});
}
module.exports = addon;
`,
      loader: 'js',
    }));
  },
};

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

/**
 * @vladfrangu/async_event_emitter (under @discordjs/rest and @discordjs/ws) evaluates its bundled
 * copy of util.inspect (node-inspect-extracted) when loaded, 15–40 ms of the bot's start, to
 * describe an 'error' event nobody listens to. Here it is evaluated on that first use instead.
 * The exact text replaced is checked: another version of the package is bundled as it is.
 */
const LAZY_INSPECT = {
  name: 'lazy-inspect',
  setup(build) {
    build.onLoad({ filter: /[\\/]@vladfrangu[\\/]async_event_emitter[\\/]dist[\\/]index\.cjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = /var import_inspect = __toESM\(require_inspect\(\), 1\);\nvar \{[^}]*\} = import_inspect\.default;/;
      const match = eager.exec(source);
      // Of what it declares, the package's own code after it may use `inspect` only.
      const after = match ? source.slice(match.index + match[0].length) : '';
      if (!match || /\b(?:format|formatWithOptions|stripVTControlCharacters|stylizeWithColor|stylizeWithHTML|Proxy2|import_inspect)\b/.test(after)) {
        process.stderr.write(`scripts/bundle.mjs: ${args.path} is not as expected; bundled as it is.\n`);
        return undefined;
      }
      return {
        contents: `${source.slice(0, match.index)}var inspect = (...args) => __toESM(require_inspect(), 1).default.inspect(...args);${after}`,
        loader: 'js',
      };
    });
  },
};

/** Options both bundles share. */
function common(entry) {
  const entryFile = path.join(ROOT, 'dist/src/cli', `${entry}.js`);
  return {
    entryPoints: [entryFile],
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    plugins: [ownModuleUrls(entryFile), LAZY_INSPECT, DIRECT_ADDONS],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/**
 * dist/bundle/<entry>.js: runs the CommonJS bundle beside it with a V8 code cache, so that a cold
 * start compiles almost nothing. The cache is named after the bundle's content hash, Node's
 * version and the platform, so that a rebuilt bundle or another Node never uses an old one (V8
 * also rejects cached code of another V8 version or flags: the bundle is then compiled as if
 * there were none). The file starts with the SHA-256 of the cached code, checked before V8 sees
 * it: a release build of V8 does not verify its checksum, and damaged cached code crashed Node.
 * It is written at exit, to a temporary file renamed into place, holding every function that
 * run compiled: by a run that found none usable, or that compiled clearly more than the cache
 * held. A folder that cannot be written to (a read-only install) only means no cache.
 * VERBATIM_CODE_CACHE=0 turns it off.
 *
 * The loader is CommonJS too (dist/bundle/package.json says so): Node starts a CommonJS program
 * without setting up its ES module loader, 7-10 ms of every cold start here.
 */
const CODE_CACHE_LOADER = (bundle, key) => `// Generated by scripts/bundle.mjs: runs ${bundle} with a V8 code cache (see there).
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const file = path.join(__dirname, ${JSON.stringify(bundle)});
const cacheFile = \`\${file}.${key}-\${process.version}-\${process.platform}-\${process.arch}.v8cache\`;
const useCache = process.env.VERBATIM_CODE_CACHE !== '0';
let cachedData;
if (useCache) {
  try {
    const stored = readFileSync(cacheFile);
    const code = stored.subarray(32);
    // Only cached code exactly as it was written reaches V8.
    if (stored.length > 32 && createHash('sha256').update(code).digest().equals(stored.subarray(0, 32))) cachedData = code;
  } catch {
    cachedData = undefined;
  }
}
const script = new Script(\`(function (exports, require, module, __filename, __dirname, __verbatimUrl) {"use strict";\${readFileSync(file, 'utf8')}\\n})\`, { filename: file, ...(cachedData ? { cachedData } : {}) });
if (useCache) {
  process.once('exit', () => {
    const temporary = \`\${cacheFile}.\${process.pid}.tmp\`;
    try {
      const code = script.createCachedData();
      // A usable cache is replaced only when this run compiled clearly more (a first run that only printed --help).
      if (cachedData !== undefined && !script.cachedDataRejected && code.length <= cachedData.length * 1.05) return;
      writeFileSync(temporary, Buffer.concat([createHash('sha256').update(code).digest(), code]));
      renameSync(temporary, cacheFile);
    } catch {
      // Nothing thrown here may change how the process ends.
      try {
        rmSync(temporary, { force: true });
      } catch {}
    }
  });
}
const bundled = { exports: {} };
script.runInThisContext()(bundled.exports, createRequire(file), bundled, file, __dirname, pathToFileURL(__filename).href);
`;

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
// The loaders below are CommonJS files named .js, as the npm scripts, the Dockerfile and the docs name them.
await writeFile(path.join(OUT, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// Each entry point: CommonJS, run by its code-caching loader; `import.meta.url` is the loader's file URL.
for (const entry of ['ask', 'start']) {
  const result = await esbuild.build({
    ...common(entry),
    outfile: path.join(OUT, `${entry}.cjs`),
    format: 'cjs',
    define: { 'import.meta.url': '__verbatimUrl' },
    // A lazy `import()` of a bundled module becomes a call; of an external one, a `require`.
    supported: { 'dynamic-import': false },
  });
  await writeFile(path.join(OUT, `${entry}.meta.json`), JSON.stringify(result.metafile));
  const key = createHash('sha256')
    .update(await readFile(path.join(OUT, `${entry}.cjs`)))
    .digest('hex')
    .slice(0, 16);
  await writeFile(path.join(OUT, `${entry}.js`), CODE_CACHE_LOADER(`${entry}.cjs`, key));
}
