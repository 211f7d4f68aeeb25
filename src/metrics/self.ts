/** mcpulse's metrics about itself: what it caught, and what it dropped rather than block the server. */
import { Counter, type Registry } from 'prom-client';

export class SelfMetrics {
  private readonly _internalErrors: Counter<'where'>;
  private readonly _droppedLogLines: Counter;
  private readonly _droppedClientNotifications: Counter<'kind' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this._internalErrors = new Counter({
      name: 'mcpulse_internal_errors_total',
      help: 'Errors inside mcpulse itself (caught, never thrown into the server), by where they happened.',
      labelNames: ['where'],
      registers,
    });
    this._droppedLogLines = new Counter({
      name: 'mcpulse_log_lines_dropped_total',
      help: 'Log lines dropped because the destination (e.g. an undrained stderr pipe) could not keep up.',
      registers,
    });
    this._droppedClientNotifications = new Counter({
      name: 'mcpulse_client_notifications_dropped_total',
      help: 'Client log messages and progress values not sent to the MCP client, by kind and reason.',
      labelNames: ['kind', 'reason'],
      registers,
    });
  }

  internalError(where: string): void {
    try {
      this._internalErrors.inc({ where });
    } catch {
      // Nothing left to count with.
    }
  }

  logLinesDropped(lines: number): void {
    this._droppedLogLines.inc(lines);
  }

  clientNotificationDropped(kind: string, reason: string): void {
    this._droppedClientNotifications.inc({ kind, reason });
  }
}
