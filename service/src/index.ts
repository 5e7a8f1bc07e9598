// The scheduler service and the producer (@rxjs-fair/service): Node only, over RabbitMQ (amqplib).
export { Scheduler, type Dispatch, type RateSpec, type SchedulerOptions, type SchedulerStats } from './Scheduler.js';
export {
  ActionTimeoutError,
  runAction,
  type ActionContext,
  type ActionResult,
  type EventHandler,
} from './runAction.js';
export { Producer, type ProducerOptions } from './Producer.js';
export type { BrokerUrls } from './connectBroker.js';
export { Availability } from './Availability.js';

// The REST API (fastify): the same scheduler behind HTTP.
export {
  createRestServer,
  startRestServer,
  type RestServer,
  type RestServerOptions,
  type StartRestServerOptions,
} from './restServer.js';

// The dashboard's data: one throttled stats stream from the scheduler's memory, and each client's view of it.
export { statsStream, type StatsStreamOptions, type StatsSource, type QueueDepths } from './statsStream.js';
export {
  dashboardView,
  type DashboardView,
  type ViewQuery,
  type StatsSnapshot,
  type HostRow,
  type VmRow,
  type PausedRow,
  type Totals,
  type Fairness,
  type HostState,
} from './dashboardView.js';
export { DispatchStats, type HostActivity } from './DispatchStats.js';

// Prometheus metrics (prom-client), what GET /metrics answers.
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export { WaitWindow } from './WaitWindow.js';

// Events and availability: the contract's JSON, and their checks (shared by AMQP and REST).
export {
  checkAvailability,
  checkEvent,
  checkEvents,
  checkWeights,
  weightsSchema,
  MAX_WEIGHT,
  type WeightsPatch,
  parseEvent,
  eventSchema,
  availabilitySchema,
  InvalidInputError,
  MAX_KEY_LENGTH,
  type FairEvent,
  type AvailabilityPatch,
  type AvailabilityState,
} from './schemas.js';

// Where things live in the broker.
export {
  topology,
  hostQueue,
  parkedQueue,
  retryQueue,
  shardQueue,
  shardOf,
  hostKey,
  headers,
  SHARDS,
  type Topology,
  type TopologyOptions,
} from './topology.js';

// Load: generated or read from NDJSON, and the built-in handler that simulates actions.
export { generateEvents, type GenerateOptions } from './generateEvents.js';
export { readNdjson } from './readNdjson.js';
export { createDemoHandler, demoHandler, type DemoHandlerOptions } from './demoHandler.js';
export { loadHandler } from './loadHandler.js';

// The `serve` and `produce` commands of the rxjs-fair-service bin, for a commander program of your own too.
export { registerServiceCommands } from './commands.js';
