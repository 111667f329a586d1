import { describe, expect, it } from 'vitest';
import { expectedAnswer, holdsAnswer } from '../../../src/core/answer/answer-type.js';
import { metadataTopic } from '../../../src/core/answer/metadata.js';

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
