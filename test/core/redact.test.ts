import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/core/redact.js';

describe('createRedactor', () => {
  it('replaces every secret, as written and as percent-encoded in a URL, longest first', () => {
    const redact = createRedactor(['MTAw.secret.token', 'p@ss/word+1', 'MTAw.secret.token.longer', undefined]);
    expect(redact('a MTAw.secret.token b MTAw.secret.token')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact('https://api.example/?key=p%40ss%2Fword%2B1 and p@ss/word+1')).toBe(`https://api.example/?key=${REDACTED} and ${REDACTED}`);
    expect(redact('MTAw.secret.token.longer')).toBe(REDACTED);
  });

  it('ignores values too short to be a secret, which would blank out ordinary text', () => {
    const redact = createRedactor(['k', '', 'short']);
    expect(redact('keep this text, short and sweet')).toBe('keep this text, short and sweet');
  });
});
