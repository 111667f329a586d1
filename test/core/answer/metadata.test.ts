import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedAnswer, holdsAnswer } from '../../../src/core/answer/answer-type.js';
import { metadataTopic, topicPatterns } from '../../../src/core/answer/metadata.js';
import { ROOT } from '../../helpers/entry.js';

describe('metadataTopic', () => {
  it('recognises questions about the articles themselves', () => {
    expect(metadataTopic('when was this article published?')).toBe('date');
    expect(metadataTopic('What date is the story from?')).toBe('date');
    expect(metadataTopic("what's the source for this story?")).toBe('source');
    expect(metadataTopic('who published this article')).toBe('source');
    expect(metadataTopic('who wrote this speech?')).toBe('author');
    expect(metadataTopic('what articles do you have in your corpus?')).toBe('list');
    expect(metadataTopic('which articles do you know?')).toBe('list');
    expect(metadataTopic('who published this?')).toBe('source');
    expect(metadataTopic('what outlet is this from?')).toBe('source');
    expect(metadataTopic('link to the article?')).toBe('source');
    expect(metadataTopic('when did this come out?')).toBe('date');
    expect(metadataTopic('who wrote this?')).toBe('author');
  });

  it('leaves questions about their content alone', () => {
    for (const question of [
      'Who reported the cancellation?',
      'When was the summit supposed to happen?',
      'Who wrote Pride and Prejudice?',
      'What did Russia send to Washington?',
      'when did russia pull out?',
      'when were the prisoners released?',
      'What sources did the FT use?',
      "What is the source of Russia's demands?",
      'which reports did Trump read?',
      'Which newspaper broke the news that the summit was nixed?',
      'who wrote this letter to Congress?',
    ]) {
      expect(metadataTopic(question), question).toBeUndefined();
    }
  });
});

describe('metadataTopic prefilters', () => {
  it("let through every text a topic's full pattern matches (they only spare compiling it for the rest)", async () => {
    const fixtures = path.join(ROOT, 'test/fixtures');
    const questions: string[] = [];
    const files = (await readdir(fixtures, { recursive: true })).filter((name) => name.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      for (const line of (await readFile(path.join(fixtures, file), 'utf8')).split('\n')) {
        if (line.trim() !== '') questions.push((JSON.parse(line) as { question: string }).question);
      }
    }
    // Every alternative of every full pattern, reached through words that name the articles.
    for (const lead of [
      'when did this',
      'when was the article',
      'what date',
      'what day is the story',
      'date of the report',
      'publication date of this speech',
      'how old is this article',
      'how recent is the story',
      'who wrote',
      'who gave this',
      'author of the piece',
      'this article was written by',
      "who's the author",
      'who is the writer',
      'source for this story',
      'newspaper behind the report',
      'who put out this',
      'which website is this',
      'what site was it',
      'link to this',
      'url of this article',
      'where does the article come from',
      'where did you get',
      "what's your source",
      'what are ur sources',
      'what is the source?',
      'how many articles do you have',
      'which stories can you quote',
      'what can you answer',
      'list all sources',
      'list your articles',
    ]) {
      for (const form of [lead, `${lead}?`, lead.toUpperCase(), `so ${lead} exactly`, `${lead} this?`]) questions.push(form);
    }
    let matched = 0;
    for (const [topic, pattern, prefilter] of topicPatterns()) {
      for (const question of questions) {
        if (!pattern.test(question)) continue;
        matched++;
        expect(prefilter.test(question), `${topic}: ${question}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(40);
  });
});

describe('expectedAnswer', () => {
  it('asks for a quantity or a time when the wording says so', () => {
    expect(expectedAnswer('how many missiles is the us sending?')).toBe('quantity');
    expect(expectedAnswer('What percent of jobs are covered?')).toBe('quantity');
    expect(expectedAnswer('when did they last meet?')).toBe('time');
    expect(expectedAnswer('what year did russia invade ukraine?')).toBe('time');
    expect(expectedAnswer('why was the summit cancelled?')).toBeUndefined();
  });

  it('finds numbers, number words and time expressions', () => {
    expect(holdsAnswer('not less than 800 persons were killed', 'quantity')).toBe(true);
    expect(holdsAnswer('nearly six hundred million dollars', 'quantity')).toBe(true);
    expect(holdsAnswer('discussed supplying long-range missiles', 'quantity')).toBe(false);
    expect(holdsAnswer('scheduled to take place later this month', 'time')).toBe(true);
    expect(holdsAnswer('the summit has been cancelled', 'time')).toBe(false);
  });
});
