/**
 * SIGTERM / SIGINT, for instances created with `handleSignals: true`: shut every such instance down
 * gracefully (readiness fails, new requests are refused, in-flight ones drain, logs flush), then let
 * the signal end the process as it would have without mcpulse (exit status 128 + n) — unless the host
 * listens to that signal itself, in which case exiting is left to the host. One listener per signal
 * for the whole process, whatever the number of instances. The same signal again within a second is
 * the same Ctrl-C (the terminal's, and a relay's from npm or tsx); any other signal, or the same one
 * later, gives up on the shutdown and is let through at once, on the same terms.
 */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

interface Stoppable {
  shutdown(): Promise<void>;
}

const instances = new Set<Stoppable>();
let installed = false;
/** The signal that started the shutdown in progress, and when. */
let first: NodeJS.Signals | undefined;
let firstAt = 0;
/** A second signal came during the shutdown: the signals were let go of then. */
let gaveUp = false;
/** A repeat closer than this is one Ctrl-C seen twice (the terminal's, and a relay's from npm or tsx). */
const DUPLICATE_SIGNAL_MS = 1000;

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Lets `signal` do what it does without mcpulse (end the process), unless the host listens to it. */
function raise(signal: NodeJS.Signals): void {
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function onSignal(signal: NodeJS.Signals): void {
  if (first !== undefined) {
    if (signal === first && Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    gaveUp = true;
    raise(signal);
    return;
  }
  first = signal;
  firstAt = Date.now();
  void Promise.allSettled([...instances].map((instance) => instance.shutdown())).then(() => {
    const raised = gaveUp;
    first = undefined;
    gaveUp = false;
    if (!raised) raise(signal);
    // Still running (the host listens): instances created meanwhile keep their handling.
    if (instances.size > 0) install();
  });
}

export function handleSignals(instance: Stoppable): void {
  instances.add(instance);
  if (first === undefined) install();
}

export function releaseSignals(instance: Stoppable): void {
  if (!instances.delete(instance) || instances.size > 0 || first !== undefined) return;
  uninstall();
}
