/**
 * SIGTERM / SIGINT: shut every mcpulse instance that asked for it down gracefully (readiness fails,
 * new requests are refused, in-flight ones drain, logs flush), then exit. One listener per signal for
 * the whole process, whatever the number of instances; a second signal exits at once.
 */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

interface Stoppable {
  shutdown(): Promise<void>;
}

const instances = new Set<Stoppable>();
let stopping = false;
let stoppingAt = 0;
/** A repeat closer than this is one Ctrl-C seen twice (the terminal's, and a relay's from npm or tsx). */
const DUPLICATE_SIGNAL_MS = 1000;

function onSignal(): void {
  if (stopping) {
    if (Date.now() - stoppingAt < DUPLICATE_SIGNAL_MS) return;
    process.exit(1);
  }
  stopping = true;
  stoppingAt = Date.now();
  void Promise.allSettled([...instances].map((instance) => instance.shutdown())).then(() => process.exit(0));
}

export function handleSignals(instance: Stoppable): void {
  if (instances.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
  instances.add(instance);
}

export function releaseSignals(instance: Stoppable): void {
  if (!instances.delete(instance) || instances.size > 0 || stopping) return;
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
