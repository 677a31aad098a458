/**
 * The runs this process is executing, whoever started them (scheduler, Go button, wizard): what a graceful
 * shutdown waits for. Kept on globalThis: Next.js bundles instrumentation and each route separately, and they
 * must all see one registry.
 */
const g = globalThis as unknown as { __contactSyncActiveRuns?: Map<string, Promise<unknown>> };
const active = () => {
  g.__contactSyncActiveRuns ??= new Map();
  return g.__contactSyncActiveRuns;
};

export function trackRun<T>(runId: string, run: Promise<T>): Promise<T> {
  const settled = run.finally(() => active().delete(runId));
  active().set(
    runId,
    settled.catch(() => undefined),
  );
  return settled;
}

export function activeRunIds(): string[] {
  return [...active().keys()];
}

/** Wait until no run is active or `ms` have passed; true when all finished. */
export async function waitForActiveRuns(ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (active().size > 0) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...active().values()]),
      new Promise((r) => {
        timer = setTimeout(r, left);
      }),
    ]);
    clearTimeout(timer);
  }
  return true;
}
