import { defineConfig } from 'vitest/config';

/**
 * Two suites, both run by `npm test`:
 * - unit: the core and the pure parts of the front ends, in process, no child processes, no
 *   emulator, no real index builds; a few seconds (`npm run test:unit`).
 * - e2e: the bot and CLIs as processes against the Discord emulator, workers, index builds
 *   over the corpus, full disks and kills (`npm run test:e2e`).
 */
const E2E = [
  'test/cli/{ask,bench,damaged-block,damaged-graph,index,index-leftovers}.test.ts',
  // The bot as a process against the emulator (bot-harness / emulator).
  'test/discord/{article,bot,disk-full,emulator,faults,feedback,follow-up,gateway-refusal,guild-settings,health,logger,markdown,passages-restart,router,secrets,setup,shared-index,signals}.test.ts',
  // Child processes, worker threads, small disks, and builds of the whole corpus.
  'test/core/index/{build,corpus-index,disk-full,hnsw-tamper,incremental,index-lock,leftovers,pathological,worker-graph}.test.ts',
  'test/core/{reindex-worker,service,article-changes}.test.ts',
  'test/core/feedback/store.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: E2E, isolate: false } },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
