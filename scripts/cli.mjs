/**
 * `npm run cli`: the bundled CLI (.cli/cli.mjs, built by scripts/cli-build.mjs), rebuilt first when any of its
 * sources is newer than it, so it is never stale. Plain JavaScript, so that nothing is transpiled at start.
 *
 * package.json starts it with V8's young generation fixed at 16 MiB a semi-space (flags only take effect at
 * process start): Node 24 lets it grow to 64 MiB a semi-space on a machine with this much memory, which was
 * ~100 MB of a big import's peak RSS for no speed, and starting at 16 MiB spares the start-up its scavenges.
 */
import module from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const { buildCli, bundlePath, outDir, staleReason } = await import(new URL("cli-build.mjs", import.meta.url).href);
if (staleReason()) await buildCli();
// V8's compiled code for the bundle, kept between runs (Node drops it when the bundle changes).
module.enableCompileCache?.(path.join(outDir, "compile-cache"));
await import(pathToFileURL(bundlePath).href);
