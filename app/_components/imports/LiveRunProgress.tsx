"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { SyncStatus } from "@/lib/runs/queries";
import { RunProgress } from "@/app/_components/imports/RunProgress";
import { apiSyncStatusPath } from "@/lib/paths";

/**
 * On the page of a queued or running run: polls GET /api/syncs/:id/status, shows the progress, and
 * reloads the page's data when the run has finished. Without JavaScript the server-rendered progress stays
 * (a reload shows the latest).
 */
export function LiveRunProgress({
  syncId,
  runId,
  initial,
}: {
  syncId: string;
  runId: string;
  initial: NonNullable<SyncStatus["run"]>;
}) {
  const router = useRouter();
  const [run, setRun] = useState(initial);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      let delay = 1500;
      try {
        const res = await fetch(apiSyncStatusPath(syncId), { cache: "no-store" });
        if (res.ok) {
          const body = (await res.json()) as SyncStatus;
          if (body.run && body.run.id === runId) setRun(body.run);
          if (!body.active || body.run?.id !== runId) {
            router.refresh();
            return;
          }
        } else delay = 10_000;
      } catch {
        delay = 10_000;
      }
      if (!stopped) timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, 1500);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [syncId, runId, router]);
  return <RunProgress status={run.status} progress={run.progress} label="Progress of this run" />;
}
