import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, type CliResult } from "@/tests/integration/cli/run-cli";
import { tempRoot, touch } from "@/tests/integration/sources/helpers";
import { makeZip } from "@/tests/support/archives";
import { uniqueName, useDb } from "@/tests/support/db";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";

const { sql } = useDb();
const LONG_AGO = Math.floor(Date.now() / 1000) - 3600;

// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the document it expects
function one(r: CliResult): any {
  expect(r.stdout.trim().split("\n"), r.stderr).toHaveLength(1);
  return JSON.parse(r.stdout);
}

async function manager(): Promise<string> {
  return one(await cli("manager", "create", "--name", uniqueName("feeds"), "--json")).id;
}

async function keys(managerId: string): Promise<string[]> {
  const rows = await sql<{ key: string }[]>`
    select key from contacts where manager_id = ${managerId} and deleted_at is null order by key`;
  return rows.map((r) => r.key);
}

describe("CLI flags for real-world feeds", { timeout: 120_000 }, () => {
  let root: string;
  let ftp: TestFtpServer;
  let sftp: TestSftpServer;
  const auth = ["--login", "u", "--password", "p4ss-word", "--allow-private-hosts"];

  beforeAll(async () => {
    root = tempRoot({
      "drop/day1.csv": "Email,First Name,Op\nann@x.com,Ann,\nbob@x.com,Bob,\ncid@x.com,Cid,\n",
      "drop/day1.csv.ok": "",
      "drop/day2.csv": "Email,First Name,Op\nbob@x.com,,delete\n",
      "drop/day2.csv.ok": "",
      "drop/day3.csv": "Email,First Name,Op\ncid@x.com,,D\n",
      "sftp/in.csv.gz": gzipSync("Email,First Name\nzed@x.com,Zed\n"),
    });
    touch(root, "drop/day1.csv", LONG_AGO);
    touch(root, "drop/day2.csv", LONG_AGO + 10);
    touch(root, "drop/day3.csv", LONG_AGO + 20); // no marker: not ready
    touch(root, "sftp/in.csv.gz", LONG_AGO);
    ftp = await startFtpServer({ root, user: "u", password: "p4ss-word" });
    sftp = await startSftpServer({ root, user: "u", password: "p4ss-word" });
  });
  afterAll(async () => {
    await Promise.all([ftp?.close(), sftp?.close()]);
  });

  it("--ready-marker, --after-import move:FOLDER and --op-column over FTP", async () => {
    const m = await manager();
    const args = ["import", "--manager", m, "--url", `${ftp.url}/drop/*.csv`, ...auth, "--key", "Email"];
    const flags = ["--ready-marker", ".ok", "--after-import", "move:done", "--op-column", "Op", "--settle", "0"];
    const first = one(await cli(...args, ...flags, "--json"));
    // Newest file with its marker: day2 (day3 has none). Its delete finds no contact yet.
    expect(first).toMatchObject({ status: "succeeded", created: 0, deleted: 0, unchanged: 1 });
    expect(fs.readdirSync(path.join(root, "drop/done")).sort()).toEqual(["day2.csv", "day2.csv.ok"]);
    const second = one(await cli(...args, ...flags, "--json"));
    expect(second).toMatchObject({ status: "succeeded", created: 3 });
    expect(await keys(m)).toEqual(["ann@x.com", "bob@x.com", "cid@x.com"]);
    expect(fs.readdirSync(path.join(root, "drop")).sort()).toEqual(["day3.csv", "done"]);
    // Nothing ready any more: skipped, not failed.
    const third = one(await cli(...args, ...flags, "--json"));
    expect(third).toMatchObject({ status: "skipped_unchanged", message: expect.stringMatching(/\.ok marker/) });
  });

  it("a .csv.gz over SFTP with --after-import delete and --settle", async () => {
    const m = await manager();
    const r = await cli(
      "import",
      "--manager",
      m,
      "--url",
      `${sftp.url}/sftp/in.csv.gz`,
      ...auth,
      "--key",
      "Email",
      "--after-import",
      "delete",
      "--settle",
      "5",
      "--json",
    );
    expect(one(r)).toMatchObject({ status: "succeeded", created: 1 });
    expect(fs.readdirSync(path.join(root, "sftp"))).toEqual([]);
  });

  it("--zip-member picks the member of a ZIP with two; without it the error lists them", async () => {
    const m = await manager();
    const zip = path.join(tempRoot({}), "export.zip");
    fs.writeFileSync(zip, await makeZip({ "people.csv": "Email\np@x.com\n", "other.csv": "Email\no@x.com\n" }));
    const base = ["import", "--manager", m, "--file", zip, "--key", "Email", "--json"];
    const failed = await cli(...base);
    expect(failed.code).toBe(1);
    expect(one(failed).message).toMatch(/holds 2 files: "people\.csv", "other\.csv"\. Set "zip member"/);
    expect(one(await cli(...base, "--zip-member", "people.csv"))).toMatchObject({ status: "succeeded", created: 1 });
    expect(await keys(m)).toEqual(["p@x.com"]);
  });

  it("--after-import and --ready-marker refuse links without a folder (HTTP, local files)", async () => {
    const m = await manager();
    const r = await cli(
      "import",
      "--manager",
      m,
      "--url",
      "https://example.org/a.csv",
      "--key",
      "Email",
      "--after-import",
      "delete",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--after-import work with ftp:\/\/, ftpes:\/\/, ftps:\/\/ and sftp:\/\/ links only/);
  });

  it("wrong values are usage errors (exit 2)", async () => {
    const base = ["import", "--manager", "x", "--file", "x.csv", "--key", "Email"];
    for (const bad of [
      ["--after-import", "archive"],
      ["--settle", "soon"],
      ["--op-column", " "],
    ]) {
      const r = await cli(...base, ...bad);
      expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
    }
  });
});
