// Usage: node scripts/followup-eval.mjs (after `npm run build`) — how often a follow-up's answer
// quotes its evidence, asked alone, with the previous question as context (the bot's way), and
// glued to the previous question's text (a naive baseline). Pairs: test/fixtures/followups/.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const { loadConfig } = await import(`${root}/dist/src/config/config.js`);
const { DEFAULT_ANSWER } = await import(`${root}/dist/src/core/answer/answerer.js`);
const { openSet } = await import(`${root}/dist/src/cli/eval-sets.js`);
const { openEmbeddings } = await import(`${root}/dist/src/cli/run.js`);
const embeddings = await openEmbeddings(loadConfig('core'));
const sets = [
  { name: 'story', questions: 'test/fixtures/dev-questions.jsonl', corpus: 'corpus', pairs: 'test/fixtures/followups/story.jsonl' },
  {
    name: 'sotu-dev',
    questions: 'test/fixtures/sotu-dev/questions.jsonl',
    corpus: 'test/fixtures/sotu-dev/corpus',
    pairs: 'test/fixtures/followups/sotu-dev.jsonl',
  },
];
const verbose = process.argv.includes('--verbose');
const switches = [];
const ways = {
  alone: (a, p) => a.ask(p.question),
  'with context': (a, p) => a.ask(p.question, { previous: p.previous }),
  glued: (a, p) => a.ask(`${p.previous} ${p.question}`),
};
console.log('| corpus | pairs | way | first quote holds the evidence | any quote does | sure answers | abstained |');
console.log('|---|---|---|---|---|---|---|');
for (const set of sets) {
  const pairs = (await readFile(set.pairs, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const opened = await openSet(set, embeddings);
  const answerer = opened.answererWith(DEFAULT_ANSWER);
  for (const [way, ask] of Object.entries(ways)) {
    let first = 0,
      any = 0,
      sure = 0,
      abstained = 0;
    for (const pair of pairs) {
      const answer = await ask(answerer, pair);
      const holds = (c) => pair.evidence.some((e) => c.quote.includes(e));
      if (!answer.abstained && answer.citations[0] && holds(answer.citations[0])) first++;
      if (!answer.abstained && answer.citations.some(holds)) any++;
      if (answer.confidence === 'high') sure++;
      if (answer.abstained) abstained++;
      if (verbose)
        console.error(
          `${set.name} ${way} | ${pair.previous} → ${pair.question} | ${answer.abstained ? 'ABSTAIN' : answer.confidence} ${answer.citations.some(holds) ? 'HIT' : 'miss'} | ${answer.citations[0]?.quote.slice(0, 90) ?? ''}`,
        );
    }
    console.log(`| ${set.name} | ${pairs.length} | ${way} | ${first}/${pairs.length} | ${any}/${pairs.length} | ${sure} | ${abstained} |`);
  }
  // A follow-up that names its own subject must not suffer from the question before it: every
  // answerable question of the set asked after the one before it in the file (an unrelated previous question).
  const own = opened.questions.filter((question) => question.kind === 'answerable');
  const holds = (question, answer) => !answer.abstained && answer.citations.some((c) => question.evidence.some((e) => c.quote.includes(e)));
  let alone = 0,
    after = 0;
  for (const [i, question] of own.entries()) {
    if (holds(question, await answerer.ask(question.question))) alone++;
    if (holds(question, await answerer.ask(question.question, { previous: own[(i + own.length - 1) % own.length].question }))) after++;
  }
  switches.push(`| ${set.name} | ${own.length} | ${alone}/${own.length} | ${after}/${own.length} |`);
  await opened.close();
}
console.log('\nSelf-contained questions after an unrelated one (any quote holds the evidence):\n');
console.log('| set | questions | asked alone | after an unrelated previous question |');
console.log('|---|---|---|---|');
for (const line of switches) console.log(line);
