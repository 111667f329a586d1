import { describe, expect, it } from 'vitest';
import { claimOf, FIND_LIMIT, messageText } from '../../commands/find-in-articles.js';
import { contextOf, questionOf } from '../../commands/follow-up.js';
import { plainLabel } from '../../src/discord/format.js';

describe('what "Find in articles" looks up in a message', () => {
  it('drops mentions, custom emoji, timestamps, links and Markdown marks', () => {
    expect(
      messageText(
        '<@123456789012345678> **Did** <#223456789012345678> ||Putin|| say <:pog:323456789012345678> that? <t:1700000000:R> https://x.example/a?b=c @everyone',
      ),
    ).toBe('Did Putin say that?');
    expect(messageText('> quoted claim\n# Heading\n-# small\n- item')).toBe('quoted claim Heading small item');
  });

  it('has nothing to look up in a message of only an image, a link, an emoji or a mention', () => {
    for (const content of ['', '   ', 'https://cdn.example/photo.png', '<:pog:323456789012345678>', '<@123456789012345678>', '🔥🔥', '**  **'])
      expect(claimOf(content)).toBeUndefined();
  });

  it('keeps a short message whole', () => {
    expect(claimOf('Why was the summit cancelled?')).toEqual({ text: 'Why was the summit cancelled?', trimmed: false });
  });

  it('trims a long message to its first whole sentences within the limit', () => {
    const first = 'Zelenskyy rejected any proposal to give up more territory.';
    const second = 'He said Ukraine will not withdraw troops first.';
    const claim = claimOf(`${first} ${second} ${'Then a lot of chatter follows here. '.repeat(20)}`)!;
    expect(claim.trimmed).toBe(true);
    expect(claim.text.startsWith(`${first} ${second}`)).toBe(true);
    expect(claim.text.length).toBeLessThanOrEqual(FIND_LIMIT);
    expect(claim.text).toMatch(/\.$/);
  });

  it('cuts a first sentence longer than the limit at a word', () => {
    const claim = claimOf(`${'word '.repeat(100)}end.`)!;
    expect(claim.trimmed).toBe(true);
    expect(claim.text.length).toBeLessThanOrEqual(FIND_LIMIT);
    expect(claim.text.endsWith('word')).toBe(true);
  });
});

describe('the question a follow-up follows', () => {
  it('is the answer embed’s title, unescaped', () => {
    for (const question of ['What did Trump say about Putin?', 'Is *this* the [U.S.] _view_ on #NATO > 2%?', 'a\\b | c ~ d `e`']) {
      expect(questionOf({ embeds: [{ title: plainLabel(question, 256) }] } as never)).toBe(question);
    }
    expect(questionOf({ embeds: [] })).toBeUndefined();
    expect(questionOf(null)).toBeUndefined();
  });

  it('of a follow-up’s answer, also holds the question that one followed', () => {
    const answer = {
      embeds: [{ title: plainLabel('and when?', 256) }],
      content: `Follow-up to: ${plainLabel('Where was the *summit* to be held?', 400)} — https://discord.com/channels/1/2/3`,
    };
    expect(contextOf(answer as never)).toBe('Where was the *summit* to be held? and when?');
    expect(contextOf({ embeds: [{ title: 'Why?' }], content: '' } as never)).toBe('Why?');
    expect(contextOf({ embeds: [{ title: 'and why?' }], content: 'Follow-up to: What did Trump promise about the war?' } as never)).toBe(
      'What did Trump promise about the war? and why?',
    );
  });
});
