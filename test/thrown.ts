/** What a call that must refuse its input throws: a McpulseOptionError, whose message the tests read. */
import { expect } from 'vitest';

import { McpulseOptionError } from '../src/core/errors.js';

export function optionErrorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(McpulseOptionError);
    return (error as Error).message;
  }
  throw new Error('did not throw');
}
