/** A client-side MCP transport over an already spawned child's stdin/stdout (newline-delimited JSON). */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

type Message = Record<string, unknown>;

export class PipeTransport {
  onmessage?: (message: Message) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(private readonly _child: ChildProcessWithoutNullStreams) {}

  start(): Promise<void> {
    createInterface({ input: this._child.stdout }).on('line', (line) => {
      try {
        this.onmessage?.(JSON.parse(line) as Message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    });
    this._child.on('exit', () => this.onclose?.());
    return Promise.resolve();
  }

  send(message: Message): Promise<void> {
    return new Promise((resolve, reject) =>
      this._child.stdin.write(`${JSON.stringify(message)}\n`, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): Promise<void> {
    this._child.stdin.end();
    return Promise.resolve();
  }
}
