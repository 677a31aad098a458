import http from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedEmail = { headers: http.IncomingHttpHeaders; path: string; body: Record<string, unknown> };

/**
 * A local HTTP server answering like the Resend API's POST /emails. `reply` decides each answer (by
 * request number), so tests can make the first attempts fail.
 */
export async function startResendStandIn(
  reply: (n: number) => { status: number; body: unknown } = () => ({ status: 200, body: {} }),
) {
  const received: ReceivedEmail[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, path: req.url ?? "", body: text ? JSON.parse(text) : {} });
      const answer = reply(received.length);
      const body = answer.status < 300 && !answer.body ? {} : answer.body;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.status < 300 ? { id: `email-${received.length}`, ...(body as object) } : body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
