/**
 * The cardinality guard. Tool and prompt labels take only names the server registered (or listed);
 * client names are kept for the first `maxClients` distinct values; `error_type` takes the fixed outcome
 * types and known error codes. Everything else is `_OTHER`.
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

/** `error_type` values that are not codes: the outcome types of a failed operation. */
const OUTCOME_ERROR_TYPES: ReadonlySet<string> = new Set(['tool_error', 'cancelled', OTHER]);
/** JSON-RPC's own error codes, and -1, the code MCP's examples give a client that declines a request. */
const KNOWN_ERROR_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32603, -1]);
/** JSON-RPC's range for implementation-defined server errors, where MCP's codes (-32002, -32042) sit. */
const SERVER_ERROR_MIN = -32099;
const SERVER_ERROR_MAX = -32000;

/**
 * The `error_type` label of an error type a peer chose (the code of a client's error reply): an outcome
 * type or a known code as it is, any other value `_OTHER`, so a peer cannot mint new series.
 */
export function errorTypeLabel(errorType: string): string {
  if (OUTCOME_ERROR_TYPES.has(errorType)) return errorType;
  const code = Number(errorType);
  if (!Number.isInteger(code) || String(code) !== errorType) return OTHER;
  if (KNOWN_ERROR_CODES.has(code) || (code >= SERVER_ERROR_MIN && code <= SERVER_ERROR_MAX)) return errorType;
  return OTHER;
}
