/**
 * One import, in a process of its own, for the engine benchmark (run.ts): `tsx tests/bench/import-once.ts <syncId>`.
 * Prints {seconds, peak_rss_mb, summary} as one JSON line: the peak RSS is the importing process' alone,
 * not the benchmark's (which generates files and the COPY floor). With BENCH_MEMORY_LOG=1 it also writes its
 * memory (rss, heap, external) to stderr every 500 ms: how the peak came about.
 */
import { closeDb } from "@/db/client";
import { runSync } from "@/lib/sync/run";

async function main() {
  const syncId = process.argv[2];
  const started = performance.now();
  if (process.env.BENCH_MEMORY_LOG) {
    const mb = (n: number) => Math.round(n / 1048576);
    setInterval(() => {
      const m = process.memoryUsage();
      process.stderr.write(`mem t=${((performance.now() - started) / 1000).toFixed(1)} rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`);
    }, 500).unref();
  }
  const summary = await runSync({ syncId, trigger: "manual" });
  const seconds = (performance.now() - started) / 1000;
  await closeDb();
  process.stdout.write(JSON.stringify({ seconds, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), summary }) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
