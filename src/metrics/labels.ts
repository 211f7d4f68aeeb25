/**
 * The cardinality guard. Tool and prompt labels take only names the server registered (or listed);
 * client names are kept for the first `maxClients` distinct values. Everything else is `_OTHER`.
 */
import { OTHER } from '../instrument/conventions.js';

export interface LabelGuardOptions {
  /** Tool names always allowed as labels, in addition to those registered on observed servers. */
  tools?: readonly string[];
  prompts?: readonly string[];
  /** Most distinct tool or prompt names kept (each); registration beyond this collapses to `_OTHER`. */
  maxNames?: number;
  /** Most distinct client names kept as label values. */
  maxClients?: number;
}

const CLIENT_NAME_MAX_LENGTH = 64;

export class LabelGuard {
  private readonly _tools = new Set<string>();
  private readonly _prompts = new Set<string>();
  private readonly _clients = new Set<string>();
  private readonly _maxNames: number;
  private readonly _maxClients: number;

  constructor(options: LabelGuardOptions = {}) {
    this._maxNames = options.maxNames ?? 1000;
    this._maxClients = options.maxClients ?? 50;
    for (const name of options.tools ?? []) this.allowTool(name);
    for (const name of options.prompts ?? []) this.allowPrompt(name);
  }

  allowTool(name: string): void {
    if (this._tools.size < this._maxNames) this._tools.add(name);
  }

  allowPrompt(name: string): void {
    if (this._prompts.size < this._maxNames) this._prompts.add(name);
  }

  /** The label for a tool name: itself when registered or listed, else `_OTHER`. */
  tool(name: string): string {
    return this._tools.has(name) ? name : OTHER;
  }

  prompt(name: string): string {
    return this._prompts.has(name) ? name : OTHER;
  }

  client(name: string | undefined): string {
    if (name === undefined || name.length === 0 || name.length > CLIENT_NAME_MAX_LENGTH)
      return name ? OTHER : '';
    if (this._clients.has(name)) return name;
    if (this._clients.size < this._maxClients) {
      this._clients.add(name);
      return name;
    }
    return OTHER;
  }
}
