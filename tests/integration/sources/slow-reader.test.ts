import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource } from "@/lib/sources";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import { spec, tempRoot, useFastTimeouts } from "@/tests/integration/sources/helpers";

// The engine is sometimes the slow side (a busy database, a lock): a download it reads slowly is still whole.
const CSV =
  "Email,First Name,Last Name\n" +
  Array.from({ length: 30_000 }, (_, i) => `person${i}@example.test,Person ${i},Last ${i}`).join("\n") +
  "\n";
const GZ = gzipSync(CSV);
let server: TestHttpServer;

beforeAll(async () => {
  useFastTimeouts(500);
  server = await startHttpServer({
    root: tempRoot(),
    // The server drops an idle kept-alive connection quickly, long before the slow reader is done.
    keepAliveTimeoutMs: 200,
    routes: {
      "/close.csv": (_req, res) =>
        res
          .writeHead(200, { "content-type": "text/csv", connection: "close", "content-length": String(CSV.length) })
          .end(CSV),
      "/plain.csv": (_req, res) =>
        res.writeHead(200, { "content-type": "text/csv", "content-length": String(CSV.length) }).end(CSV),
      "/gzipped.csv": (_req, res) =>
        res
          .writeHead(200, {
            "content-type": "text/csv",
            "content-encoding": "gzip",
            "content-length": String(GZ.length),
          })
          .end(GZ),
    },
  });
});
afterAll(async () => server?.close());

/** Reads the download pausing after each chunk, for about 3 s in all: six times the idle timeout. */
async function slowRead(path: string, pauseMs: number): Promise<{ bytes: number; error?: string }> {
  const r = await openSource(spec("http", `${server.url}${path}`));
  if (r.unchanged) throw new Error("unexpected unchanged");
  let bytes = 0;
  try {
    for await (const chunk of r.source.stream) {
      bytes += (chunk as Buffer).length;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return { bytes };
  } catch (e) {
    return { bytes, error: (e as Error).message };
  } finally {
    await r.source.close();
  }
}

describe("a slow reader is neither a stalled nor a closed server", () => {
  it("a body sent with Connection: close, read slowly", async () => {
    expect(await slowRead("/close.csv", 100)).toEqual({ bytes: CSV.length });
  });

  it("a plain body, read slowly after the server has sent it all and closed the connection", async () => {
    expect(await slowRead("/plain.csv", 100)).toEqual({ bytes: CSV.length });
  });

  it("a gzip body, read slowly: the decompressor holds data the transfer guard cannot see", async () => {
    expect(GZ.length).toBeLessThan(CSV.length / 4);
    expect(await slowRead("/gzipped.csv", 30)).toEqual({ bytes: CSV.length });
  });
});
