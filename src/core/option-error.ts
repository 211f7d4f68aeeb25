/**
 * The option error and its message helpers, in a module with no imports: entries that must stay light
 * (`mcpulse/otel`) throw the same error class as `createMcpulse` without loading its options.
 */

export class McpulseOptionError extends TypeError {
  readonly code = 'MCPULSE_INVALID_OPTION';
}

/** Throws the option error every mcpulse module uses, prefixed `mcpulse: `. */
export function fail(message: string): never {
  throw new McpulseOptionError(`mcpulse: ${message}`);
}

/** A value as an option error shows it: strings quoted, objects and arrays named, not dumped. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
