/**
 * Up-front validation of the options given to the registry and to the built-in checks: a bad value
 * fails at startup with a message naming it.
 */
import { badOption } from '../core/errors.js';

const MAX_NAME_LENGTH = 128;

export function checkName(label: string, value: unknown): void {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.length > MAX_NAME_LENGTH ||
    value.includes(':') ||
    /\p{Cc}/u.test(value)
  ) {
    throw badOption(
      `mcpulse: ${label} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters without ':', got ${show(value)}`,
    );
  }
}

export function milliseconds(
  label: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw badOption(`mcpulse: ${label} must be a number of ms ${range}, got ${show(value)}`);
  }
  return value;
}

export function stringList(label: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw badOption(`mcpulse: ${label} must be an array of non-empty strings, got ${show(value)}`);
  }
  return value as string[];
}

/** Numbers as written (NaN, Infinity), anything else as JSON so `"2000"` is told apart from 2000. */
export function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value; // cycles
  }
}

export function optionsObject(label: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw badOption(`mcpulse: ${label} options must be an object, got ${show(options)}`);
  }
}

export function positive(label: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw badOption(`mcpulse: ${label} must be a number > 0, got ${show(value)}`);
  }
  return value;
}

export function nonNegative(label: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw badOption(`mcpulse: ${label} must be a number >= 0, got ${show(value)}`);
  }
  return value;
}

export function ratio(label: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 1) {
    throw badOption(`mcpulse: ${label} must be a number from 0 to 1, got ${show(value)}`);
  }
  return value;
}
