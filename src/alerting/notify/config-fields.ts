/**
 * Reads one YAML-decoded section of an Alertmanager configuration strictly: every key must be one
 * mcpulse's notifier uses, a key Alertmanager 0.25 knows but mcpulse does not support is refused as
 * such, anything else as unknown; each problem names its path (`receivers[2].slack_configs[0].icon_url`).
 * Problems are gathered, not thrown, so one error lists them all. Secret values are never shown in a
 * problem (nor are any values: a message need not quote what the user wrote to point at it).
 */
import { readFileSync } from 'node:fs';

export type Section = Readonly<Record<string, unknown>>;

/** The keys of one configuration struct: those read here, and those Alertmanager has but mcpulse refuses. */
export interface Keys {
  readonly supported: readonly string[];
  readonly unsupported?: readonly string[];
  /** Taken and not read (globals of integrations mcpulse refuses where they are used). */
  readonly ignored?: readonly string[];
}

export class FieldReader {
  constructor(
    readonly path: string,
    readonly section: Section,
    readonly problems: string[],
  ) {}

  /** A reader of a section given as `value`, or undefined (and a problem) when it is not a mapping. */
  static of(path: string, value: unknown, problems: string[]): FieldReader | undefined {
    if (value === undefined || value === null) return new FieldReader(path, {}, problems);
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path} must be a mapping`);
      return undefined;
    }
    return new FieldReader(path, value as Section, problems);
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.section[key] !== undefined && this.section[key] !== null;
  }

  problem(key: string, text: string): void {
    this.problems.push(`${this.at(key)} ${text}`);
  }

  checkKeys(keys: Keys): void {
    for (const key of Object.keys(this.section)) {
      if (keys.supported.includes(key) || keys.ignored?.includes(key)) continue;
      if (keys.unsupported?.includes(key)) {
        this.problem(key, `is not supported by mcpulse's notifier (it reads ${keys.supported.join(', ')})`);
      } else {
        this.problem(key, `is not a field of Alertmanager 0.25's configuration here`);
      }
    }
  }

  string(key: string): string | undefined {
    const value = this.section[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.problem(key, 'must be a string');
      return undefined;
    }
    return value;
  }

  /**
   * A field Alertmanager executes as a Go template. Literal text renders the same in both, so it is
   * taken; `{{` is refused until the notifier renders templates.
   */
  literal(key: string): string | undefined {
    const value = this.string(key);
    if (value?.includes('{{')) {
      this.problem(
        key,
        `is a Go template: mcpulse's notifier takes literal text here (or leave ${key} out for Alertmanager's default)`,
      );
      return undefined;
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.section[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(key, 'must be true or false');
      return undefined;
    }
    return value;
  }

  /** A non-negative integer (Go uint64 fields such as max_alerts). */
  count(key: string): number | undefined {
    const value = this.section[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.problem(key, 'must be a non-negative integer');
      return undefined;
    }
    return value;
  }

  /** A mapping of strings to literal strings (headers, details). */
  literalMap(key: string): Record<string, string> | undefined {
    const reader = this.nested(key);
    if (!reader) return undefined;
    const result: Record<string, string> = {};
    for (const name of Object.keys(reader.section)) {
      const value = reader.literal(name);
      if (value !== undefined) result[name] = value;
    }
    return result;
  }

  /** A list of literal strings (mrkdwn_in). */
  stringList(key: string): string[] | undefined {
    const value = this.section[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.problem(key, 'must be a list of strings');
      return undefined;
    }
    return value;
  }

  /** The nested mapping under `key`, or undefined when absent or not a mapping (a problem then). */
  nested(key: string): FieldReader | undefined {
    if (!this.has(key)) return undefined;
    return FieldReader.of(this.at(key), this.section[key], this.problems);
  }

  /** An http(s) URL; `secret` keeps it out of the message when it does not parse. */
  url(key: string): URL | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    return parseHttpUrl(text, () => this.problem(key, 'must be an http:// or https:// URL'));
  }

  /**
   * A secret given inline under `key` or read from the file under `fileKey` (trimmed, as Alertmanager
   * trims the files it reads at send time; mcpulse reads them once, at load). Both at once is refused.
   */
  secret(key: string, fileKey: string, options: { trim: boolean }): string | undefined {
    const inline = this.string(key);
    const file = this.string(fileKey);
    if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
      this.problems.push(`${this.path}: at most one of ${key} & ${fileKey} must be configured`);
      return undefined;
    }
    if (file !== undefined && file !== '')
      return readSecretFile(this.at(fileKey), file, this.problems, options);
    return inline === '' ? undefined : inline;
  }
}

export function readSecretFile(
  path: string,
  file: string,
  problems: string[],
  options: { trim: boolean },
): string | undefined {
  try {
    const content = readFileSync(file, 'utf8');
    return options.trim ? content.trim() : content;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    problems.push(`${path}: cannot read ${JSON.stringify(file)} (${code})`);
    return undefined;
  }
}

export function parseHttpUrl(text: string, onBad: () => void): URL | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  onBad();
  return undefined;
}

/** Each element of the list under `key` as a reader at `path[i]`. */
export function listOf(reader: FieldReader, key: string): FieldReader[] {
  const value = reader.section[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.problem(key, 'must be a list');
    return [];
  }
  const readers: FieldReader[] = [];
  value.forEach((item: unknown, index) => {
    const element = FieldReader.of(`${reader.at(key)}[${index}]`, item, reader.problems);
    if (element) readers.push(element);
  });
  return readers;
}
