/** The README's options table lists exactly the options the schema takes, with the defaults it uses. */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { OPTION_DEFAULTS, OPTION_NAMES } from './options-schema.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Row {
  names: string[];
  defaults: string;
}

/** The rows of the table under `### Options`: the option names of the first cell, the second cell. */
function optionRows(): Row[] {
  const start = README.indexOf('\n### Options\n');
  expect(start).toBeGreaterThan(0);
  const end = README.indexOf('\n#', start + 1);
  const lines = README.slice(start, end).split('\n');
  const table = lines.filter((line) => line.startsWith('|'));
  expect(table[0]).toMatch(/^\| option +\| default +\|/);
  return table.slice(2).map((line) => {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    expect(cells).toHaveLength(3);
    return {
      names: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!),
      defaults: cells[1]!.trim(),
    };
  });
}

/** Splits a cell at the commas outside backticks. */
function splitOutsideCode(cell: string): string[] {
  const parts = [''];
  let inCode = false;
  for (let i = 0; i < cell.length; i++) {
    const char = cell[i]!;
    if (char === '`') inCode = !inCode;
    if (char === ',' && !inCode) {
      parts.push('');
      if (cell[i + 1] === ' ') i++;
    } else parts[parts.length - 1] += char;
  }
  return parts.map((part) => part.trim());
}

/** What the default cell must contain: `` `50` ``, `` `[]` ``; each value of an object default. */
function tokens(value: unknown): string[] {
  if (Array.isArray(value) && value.length === 0) return ['`[]`'];
  if (typeof value === 'object' && value !== null) return Object.values(value).map(String);
  return [`\`${String(value)}\``];
}

describe('README options table', () => {
  it('names every option of the schema once, and nothing else', () => {
    const names = optionRows().flatMap((row) => row.names);
    expect([...names].sort()).toEqual([...OPTION_NAMES].sort());
    expect(new Set(names).size).toBe(names.length);
    expect(OPTION_NAMES).toHaveLength(30);
  });

  it('states the defaults resolveOptions uses', () => {
    let checked = 0;
    for (const { names, defaults } of optionRows()) {
      const parts = splitOutsideCode(defaults);
      names.forEach((name, i) => {
        if (!(name in OPTION_DEFAULTS)) return;
        const cell = parts.length === names.length ? parts[i]! : defaults;
        for (const token of tokens(OPTION_DEFAULTS[name as keyof typeof OPTION_DEFAULTS])) {
          expect(cell, `${name}: ${cell}`).toContain(token);
        }
        checked++;
      });
    }
    expect(checked).toBe(Object.keys(OPTION_DEFAULTS).length);
  });
});
