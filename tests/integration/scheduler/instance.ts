/**
 * One "app instance" for the multi-instance scheduler tests: a separate Node process that starts the scheduler
 * through the same boot code instrumentation.ts uses, until SIGTERM (graceful) or SIGKILL (a crash).
 *   DATABASE_URL=... node --import tsx tests/integration/scheduler/instance.ts
 */
import { closeDb } from "@/db/client";
import { bootScheduler } from "@/lib/schedule/boot";
import { stopScheduler } from "@/lib/schedule/scheduler";

const scheduler = bootScheduler();
if (!scheduler) {
  process.stderr.write("scheduler not started (SCHEDULER_ENABLED=false)\n");
  process.exit(3);
}
process.stderr.write(JSON.stringify({ msg: "instance ready", pid: process.pid }) + "\n");

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await stopScheduler({ waitForRuns: true });
  await closeDb();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
