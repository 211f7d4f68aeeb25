// `mcpulse/http`: the monitoring routes and server (node:http), and the metrics exposition they serve.
// Every export is listed by name; anything added here becomes public API.

export { createMonitoringRoutes } from './routes.js';
export type { MonitoringRoutes, MonitoringRoutesOptions } from './routes.js';
export { startMonitoringServer } from './monitoring.js';
export type { MonitoringServer, MonitoringServerOptions } from './monitoring.js';
export {
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
} from '../metrics/render.js';
export type { ExpositionFormat, RenderedMetrics } from '../metrics/render.js';
