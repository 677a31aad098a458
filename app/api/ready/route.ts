import { getSql } from "@/db/client";
import { checkReadiness } from "@/lib/readiness";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * For load balancers and orchestrators: 200 when this instance should get traffic (database reachable,
 * migrations at this build's version, scheduler beating when enabled, not shutting down), else 503; both with
 * each check's detail. Public like /api/health: it tells nothing about the data.
 */
export async function GET() {
  const readiness = await checkReadiness(getSql());
  return Response.json(
    { status: readiness.ready ? "ready" : "not_ready", checks: readiness.checks },
    { status: readiness.ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
