/** `npm run db:stop`: stops this clone's shared embedded Postgres (lib/dev-db/server.ts), if it runs. */
import nextEnv from "@next/env";
import { stopSharedServer } from "@/lib/dev-db/server";

nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: (...a: unknown[]) => console.error(...a) });
stopSharedServer().then(
  (r) => {
    if (r.notice) console.error(r.notice);
    console.error(
      r.stopped ? `Stopped the embedded Postgres (${r.dataDir}).` : `No embedded Postgres was running (${r.dataDir}).`,
    );
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
