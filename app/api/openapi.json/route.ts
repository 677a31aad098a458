import { operations } from "@/app/api/_lib/operations";
import { buildOpenApi } from "@/lib/api/openapi";
import { withApiAuth } from "@/lib/auth/guard";
import { env } from "@/lib/env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/openapi.json — the OpenAPI 3.1 document of every /api/ route, generated from their zod schemas. */
export const GET = withApiAuth("viewer", async () => Response.json(buildOpenApi(operations, env.APP_URL)));
