/**
 * Next.js start-up hook. In the Node.js runtime (never Edge) it starts the scheduler heartbeat, once per
 * process (lib/schedule/boot.ts keeps a globalThis flag); SCHEDULER_ENABLED=false turns it off. It also
 * installs the graceful shutdown on SIGTERM/SIGINT (lib/shutdown.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootScheduler } = await import("@/lib/schedule/boot");
  const { installShutdownHandlers } = await import("@/lib/shutdown");
  installShutdownHandlers();
  bootScheduler();
}
