import { after } from "next/server";
import { logger } from "@/lib/log";
import { executeRun, queueRun } from "@/lib/sync/run";

/**
 * "Run Import": queue the run (refused with 409 while one is active), answer the browser at once with the
 * run page, and execute the run after the response (the run page polls its progress).
 */
export async function startRun(syncId: string, userId: string, trigger: "upload" | "wizard"): Promise<string> {
  const runId = await queueRun({ syncId, trigger, requestedBy: userId });
  const execute = async () => {
    try {
      await executeRun(runId);
    } catch (e) {
      logger.error("run after wizard failed to start", { runId, err: e });
    }
  };
  try {
    after(execute);
  } catch {
    // Outside a Next request (tests, scripts): run in the background of this process.
    void execute();
  }
  return runId;
}
