/**
 * The Worker side of self-spawning tools: the handler is installed before anything is awaited
 * (a message that arrives while no handler exists is lost, and loading an engine from source
 * takes long enough for that to happen), what arrives meanwhile is queued and handed over in
 * order once the handler's module has loaded.
 */
declare const self: Worker;

export type WorkerHandler = (event: MessageEvent) => unknown;

export function serveLazily(load: () => Promise<WorkerHandler>): void {
  const queued: MessageEvent[] = [];
  let handler: WorkerHandler | undefined;
  self.onmessage = (event: MessageEvent) => {
    if (handler) handler(event);
    else queued.push(event);
  };
  load().then(
    (loaded) => {
      handler = loaded;
      for (const event of queued.splice(0)) loaded(event);
    },
    (error) => {
      // Uncaught, so the parent's onerror hears of it instead of waiting forever.
      setTimeout(() => {
        throw error;
      });
    },
  );
}

/** A module that installs self.onmessage itself (serveX()), adapted to serveLazily. */
export function installedHandler(install: () => void): WorkerHandler {
  install();
  const installed = self.onmessage as WorkerHandler;
  return (event) => installed.call(self, event);
}
