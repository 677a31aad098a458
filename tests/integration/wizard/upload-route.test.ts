import { eq, sql as dsql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { uploadChunks, uploads } from "@/db/schema";
import { reloadEnv } from "@/lib/env";
import { POST } from "@/app/api/uploads/route";
import { useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";

const { db } = useDb();
const LIMIT = 64 * 1024;
const base = "http://127.0.0.1:3000/api/uploads";
const returnTo = "/managers/00000000-0000-4000-8000-000000000001/imports/new";

beforeAll(() => {
  process.env.UPLOAD_MAX_BYTES = String(LIMIT);
  reloadEnv();
});
afterEach(() => actAs(null));

const call = (req: Request) => POST(req, { params: Promise.resolve({}) });

/** A body streamed in pieces with no Content-Length (what a chunked upload looks like). */
function streamed(total: number, piece = 8 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(piece, total - sent);
      controller.enqueue(new Uint8Array(n).fill(0x61));
      sent += n;
    },
  });
}

function raw(body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request(base, {
    method: "POST",
    body: body as BodyInit,
    headers: { "content-type": "application/octet-stream", "x-filename": "contacts.csv", ...headers },
    duplex: "half",
  } as RequestInit);
}

function multipart(content: string | Uint8Array, url = `${base}?returnTo=${encodeURIComponent(returnTo)}`): Request {
  const fd = new FormData();
  fd.append("file", new Blob([content as BlobPart], { type: "text/csv" }), "people.csv");
  return new Request(url, { method: "POST", body: fd });
}

async function storedBytes(id: string): Promise<Buffer> {
  const rows = await db.select().from(uploadChunks).where(eq(uploadChunks.uploadId, id)).orderBy(uploadChunks.seq);
  return Buffer.concat(rows.map((r) => r.data));
}

describe("POST /api/uploads", () => {
  it("refuses anonymous callers (401) and viewers (403), storing nothing", async () => {
    // Other test files upload in parallel: count only what these requests could have stored.
    const filename = `refused-${Math.random().toString(36).slice(2)}.csv`;
    const stored = async () =>
      (await db.select({ n: dsql<number>`count(*)::int` }).from(uploads).where(eq(uploads.filename, filename)))[0].n;
    actAs(null);
    const anon = await call(raw("a,b\n1,2\n", { "x-filename": filename }));
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe("unauthenticated");
    const viewerUser = await createTestUser(db, "viewer");
    actAs(viewerUser);
    const viewer = await call(raw("a,b\n1,2\n", { "x-filename": filename }));
    expect(viewer.status).toBe(403);
    expect(await stored()).toBe(0);
    expect(
      (await db.select({ n: dsql<number>`count(*)::int` }).from(uploads).where(eq(uploads.createdBy, viewerUser.id)))[0]
        .n,
    ).toBe(0);
  });

  it("streams a raw body into the uploads table, byte for byte, owned by the editor", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const content = "Email;Name\nann@example.org;Ann\nbob@example.org;Böb\n";
    const res = await call(raw(content, { "x-filename": encodeURIComponent("März kontakte.csv") }));
    expect(res.status).toBe(201);
    const { upload } = await res.json();
    expect(upload.filename).toBe("März kontakte.csv");
    expect(upload.size).toBe(Buffer.byteLength(content));
    const [row] = await db.select().from(uploads).where(eq(uploads.id, upload.id));
    expect(row.complete).toBe(true);
    expect(row.createdBy).toBe(editor.id);
    expect((await storedBytes(upload.id)).toString("utf8")).toBe(content);
  });

  it("refuses a declared size over UPLOAD_MAX_BYTES before reading (413)", async () => {
    actAs(await createTestUser(db, "editor"));
    const res = await call(raw("x".repeat(10), { "content-length": String(LIMIT + 1) }));
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error.code).toBe("upload_too_large");
    expect(body.error.message).toMatch(/64 KiB/);
  });

  it("stops a streamed body without Content-Length once it passes the limit, and keeps no partial file", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const res = await call(raw(streamed(LIMIT * 3)));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("upload_too_large");
    const left = await db.select().from(uploads).where(eq(uploads.createdBy, editor.id));
    expect(left).toHaveLength(0);
  });

  it("accepts a file of exactly the limit", async () => {
    actAs(await createTestUser(db, "editor"));
    const res = await call(raw(streamed(LIMIT)));
    expect(res.status).toBe(201);
    expect((await res.json()).upload.size).toBe(LIMIT);
  });

  it("refuses an empty file", async () => {
    actAs(await createTestUser(db, "editor"));
    const res = await call(raw(new Uint8Array(0)));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("upload_empty");
  });

  it("no-JavaScript form: multipart post redirects back to the wizard with the upload id", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const res = await call(multipart("Email\nann@example.org\n"));
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${returnTo}?upload=`)).toBe(true);
    const id = new URL(location, "http://x").searchParams.get("upload")!;
    expect((await storedBytes(id)).toString()).toBe("Email\nann@example.org\n");
    const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
    expect(row.filename).toBe("people.csv");
  });

  it("no-JavaScript form over the limit redirects back with an error code (nothing echoed from the body)", async () => {
    actAs(await createTestUser(db, "editor"));
    const res = await call(multipart(new Uint8Array(LIMIT + 10).fill(0x62)));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${returnTo}?uploadError=upload_too_large`);
  });

  it("never redirects outside the wizard (returnTo must be a wizard page)", async () => {
    actAs(await createTestUser(db, "editor"));
    const res = await call(
      multipart("Email\na@b.c\n", `${base}?returnTo=${encodeURIComponent("https://evil.example/")}`),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBeNull();
  });

  it("a truncated multipart body (no closing boundary) is a clean 400, and nothing escapes as an uncaught exception", async () => {
    actAs(await createTestUser(db, "editor"));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener("uncaughtException", onUncaught);
    try {
      const boundary = "----contact-sync-truncated";
      const parts = [
        // a file part the route skips (wrong field name), then the file itself, cut off mid-content
        `--${boundary}\r\nContent-Disposition: form-data; name="other"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\nskipped\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\nEmail\nann@example.org\n`,
      ];
      for (const body of [parts[0] + parts[1], parts[0].slice(0, -2), parts[1]]) {
        const res = await call(
          new Request(base, {
            method: "POST",
            body,
            headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
          }),
        );
        expect(res.status).toBe(400);
        expect((await res.json()).error.code).toMatch(/^upload_(malformed|interrupted|empty)$/);
      }
      await new Promise((r) => setTimeout(r, 200)); // a stream error would surface on a later tick
      expect(uncaught.map(String)).toEqual([]);
    } finally {
      process.removeListener("uncaughtException", onUncaught);
    }
  });
});
