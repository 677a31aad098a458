import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { startScheduler, type Scheduler } from "@/lib/schedule/scheduler";

const g = globalThis as unknown as { __contactSyncSchedulerBooted?: boolean };

/**
 * Start the scheduler once per process when SCHEDULER_ENABLED (the default). Called by instrumentation.ts's
 * register() in the Node.js runtime, and by tests/integration/scheduler/instance.ts (same code path).
 */
export function bootScheduler(): Scheduler | null {
  if (!env.SCHEDULER_ENABLED) {
    logger.info("scheduler disabled (SCHEDULER_ENABLED=false)");
    return null;
  }
  if (g.__contactSyncSchedulerBooted) return null;
  g.__contactSyncSchedulerBooted = true;
  return startScheduler();
}
