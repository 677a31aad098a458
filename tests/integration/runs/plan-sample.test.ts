import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import RunPage from "@/app/managers/[id]/imports/[syncId]/runs/[runId]/page";
import { getSyncStatus } from "@/lib/runs/queries";
import { runPlanCsvStream } from "@/lib/runs/plan-csv";
import { runSync } from "@/lib/sync/run";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db } = useDb();

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return Buffer.from(await new Response(stream).arrayBuffer()).toString("utf8");
}

describe("a blocked run's plan sample", () => {
  it("shows on the run page and in the status API; the full lists download as CSV, formula cells escaped", async () => {
    actAs(await createTestUser(db, "viewer"));
    const m = await makeManager(db);
    const file = writeCsv("Key,First\n=1+2,Ann\n@cmd,Bob\nplain,Cy\nkeep,Dee\n");
    const s = await makeFileSync(db, m, file, {
      key: "Key",
      map: { First: "First Name" },
      deleteMissing: true,
      alwaysImport: true,
    });
    await runSync({ syncId: s.id, trigger: "manual" });
    await setSync(db, s.id, { guards: { maxDeleted: { count: 1 }, everyRun: true }, safetyThresholdPct: 100 });
    rewriteCsv(file, "Key,First\nkeep,-Dee\n");
    const blocked = await runSync({ syncId: s.id, trigger: "manual" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 3, updated: 1 });
    expect(blocked.plan).toEqual({
      deleted: ["=1+2", "@cmd", "plain"],
      updated: [{ key: "keep", changes: { "First Name": ["Dee", "-Dee"] } }],
    });

    const html = renderToStaticMarkup(
      await RunPage({
        params: Promise.resolve({ id: m.id, syncId: s.id, runId: blocked.runId }),
        searchParams: Promise.resolve({}),
      }),
    );
    expect(html).toContain("Would delete 3 contacts");
    expect(html).toContain("<li>@cmd</li>");
    expect(html).toContain("Would update 1 contact");
    expect(html).toContain(
      '<td data-label="Key">keep</td><td data-label="Field">First Name</td><td data-label="Now">Dee</td><td data-label="Would become">-Dee</td>',
    );
    expect(html).toContain(`/runs/${blocked.runId}/plan-deleted.csv`);

    const status = await getSyncStatus(db, s.id);
    expect(status?.run?.plan).toEqual(blocked.plan);

    expect(await text(runPlanCsvStream(db, blocked.runId, "deleted"))).toBe("\uFEFFKey\r\n'=1+2\r\n'@cmd\r\nplain\r\n");
    expect(await text(runPlanCsvStream(db, blocked.runId, "updated"))).toBe(
      "\uFEFFKey,Field,Old value,New value\r\nkeep,First Name,Dee,'-Dee\r\n",
    );
  });
});
