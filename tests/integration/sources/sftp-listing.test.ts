import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ssh2 from "ssh2";
import { listFiles } from "@/lib/sources";
import { MAX_FOLDER_ENTRIES } from "@/lib/sources/sftp";
import { makeKeyPair } from "@/tests/support/servers/sftp";
import { spec, useFastTimeouts } from "@/tests/integration/sources/helpers";

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

// A hostile SFTP server (ssh2's own server side): /endless never reports the end of its listing, /silent
// never answers a listing request, /small is an ordinary folder.
const sent = { entries: 0 };
let server: InstanceType<typeof Server>;
let port = 0;

const entry = (name: string) => ({
  filename: name,
  longname: `-rw-r--r-- 1 a a 10 Jan  1 00:00 ${name}`,
  attrs: { mode: 0o100644, uid: 0, gid: 0, size: 10, atime: 0, mtime: 1_700_000_000 },
});

beforeAll(async () => {
  useFastTimeouts(1500, 5000);
  server = new Server({ hostKeys: [makeKeyPair().private] }, (client) => {
    client.on("error", () => {});
    client.on("authentication", (ctx) => ctx.accept());
    client.on("ready", () => {
      client.on("session", (accept) => {
        accept().on("sftp", (acceptSftp) => {
          const sftp = acceptSftp();
          const dirs = new Map<string, string>();
          const listed = new Set<string>();
          sftp.on("REALPATH", (id, p) => sftp.name(id, [{ filename: p, longname: p, attrs: {} as never }]));
          sftp.on("OPENDIR", (id, p) => {
            const handle = Buffer.from([dirs.size]);
            dirs.set(handle.toString("hex"), p);
            sftp.handle(id, handle);
          });
          sftp.on("READDIR", (id, handle) => {
            const dir = dirs.get(handle.toString("hex"));
            if (dir === "/silent") return; // never answers
            if (dir === "/small") {
              if (listed.has(dir)) return sftp.status(id, STATUS_CODE.EOF);
              listed.add(dir);
              return sftp.name(id, [entry("a.csv"), entry("b.txt")] as never);
            }
            if (sent.entries >= 10 * MAX_FOLDER_ENTRIES) return sftp.status(id, STATUS_CODE.EOF);
            const batch = Array.from({ length: 2000 }, () =>
              entry(`not-a-match-${String(sent.entries++).padStart(9, "0")}.txt`),
            );
            sftp.name(id, batch as never);
          });
          sftp.on("CLOSE", (id) => sftp.status(id, STATUS_CODE.OK));
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server?.close());

const list = (folder: string) =>
  listFiles(spec("sftp", `sftp://127.0.0.1:${port}${folder}/*.csv`, { login: "u", password: "p" }));

describe("SFTP folder listings are bounded", () => {
  it("lists an ordinary folder", async () => {
    expect((await list("/small")).map((f) => f.name)).toEqual(["a.csv"]);
  });

  it(`refuses a listing past ${MAX_FOLDER_ENTRIES.toLocaleString("en")} entries instead of collecting it without end`, async () => {
    await expect(list("/endless")).rejects.toMatchObject({
      code: "protocol_error",
      message: expect.stringMatching(
        /^Listing \/endless on .+: the folder has more than 100,000 entries\. Point the link at a folder with fewer files\.$/,
      ),
    });
    expect(sent.entries).toBeLessThan(2 * MAX_FOLDER_ENTRIES);
  });

  it("gives up on a listing the server never answers", async () => {
    await expect(list("/silent")).rejects.toMatchObject({
      code: "timeout",
      message: expect.stringMatching(/^Listing \/silent on .+: the server stopped answering for 2 s\.$/),
    });
  });
});
