/**
 * Child-process helper for tests that need a fresh Node (e.g. NODE_EXTRA_CA_CERTS, read only at start-up):
 *   tsx tests/support/servers/probe-source.ts '<JSON array of SourceSpec>'
 * Opens each spec, reads it fully, prints one JSON array: {ok, sha256, seenTlsFingerprint} or {ok:false, code, message}.
 */
import { createHash } from "node:crypto";
import { openSource } from "@/lib/sources";
import type { SourceSpec } from "@/lib/sources/types";

const specs = JSON.parse(process.argv[2] ?? "[]") as SourceSpec[];
const results: unknown[] = [];
for (const spec of specs) {
  try {
    const r = await openSource(spec, {});
    if (r.unchanged) {
      results.push({ ok: true, unchanged: true });
      continue;
    }
    const hash = createHash("sha256");
    for await (const chunk of r.source.stream) hash.update(chunk as Buffer);
    await r.source.close();
    results.push({ ok: true, sha256: hash.digest("hex"), seenTlsFingerprint: r.source.seenTlsFingerprint });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    results.push({ ok: false, code: err.code, message: err.message });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(0);
