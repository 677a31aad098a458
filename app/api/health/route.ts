import { getSql } from "@/db/client";

export const dynamic = "force-dynamic";

/** For load balancers and tests: 200 when the database answers. */
export async function GET() {
  try {
    await getSql()`select 1`;
    return Response.json({ status: "ok" });
  } catch {
    return Response.json(
      { status: "error", error: { code: "db_unreachable", message: "Database unreachable" } },
      { status: 503 },
    );
  }
}
