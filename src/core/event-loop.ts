/**
 * Resolves after the event loop has run whatever is pending (I/O, timers, a bot's
 * interactions): long work on the main thread awaits it between slices so that it never
 * holds the loop for long.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
