import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/discord/logger.js';

describe('createLogger', () => {
  it('redacts secrets from messages and stack traces', () => {
    const lines: string[] = [];
    const secret = 'MTAw.secret.token-value';
    const logger = createLogger([secret], (line) => lines.push(line));
    logger.info(`connecting with ${secret}`);
    logger.error('failed', new Error(`401 for token ${secret}`));
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).toContain('[redacted]');
    expect(lines[1]).toMatch(/ERROR failed: Error: 401 for token \[redacted\]/);
  });
});
