import { z } from "zod";
import type { Role } from "@/db/schema";
import { errorSchema } from "@/lib/api/response-schemas";

/** One documented operation of the JSON API. */
export type Operation = {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path, with {id} parameters. */
  path: string;
  summary: string;
  /** "public": no credentials needed (health checks). */
  minRole: Role | "public";
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A raw (non-JSON) request body: the push upload. */
  rawBody?: boolean;
  /** Status → answer schema (null: not JSON, e.g. CSV). */
  responses: Record<number, { description: string; schema?: z.ZodType | null; contentType?: string }>;
};

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  delete out.$schema;
  return out;
}

const errorResponses = {
  400: "Bad input",
  401: "No, wrong, revoked or expired credentials",
  403: "The role is too low",
  404: "Unknown id",
  409: "Conflict (for example a run is active)",
  429: "Too many wrong tokens from this address",
} as const;

/**
 * The OpenAPI 3.1 document, generated from the operations' zod schemas (the same ones that parse the
 * requests): never a hand-kept copy.
 */
export function buildOpenApi(operations: Operation[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = jsonSchema(errorSchema, "output");
  for (const op of operations) {
    const parameters: unknown[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string", format: "uuid" },
    }));
    if (op.query) {
      const q = jsonSchema(op.query, "input") as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {}))
        parameters.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema === undefined
          ? {}
          : {
              content: {
                [r.contentType ?? "application/json"]: { schema: r.schema ? jsonSchema(r.schema, "output") : {} },
              },
            }),
      };
    }
    for (const [status, description] of Object.entries(errorResponses))
      if (op.minRole !== "public")
        responses[status] ??= { description, content: { "application/json": { schema: error } } };
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+/g, "_")}`,
      summary: op.summary,
      description:
        op.minRole === "public"
          ? "Public: no credentials needed."
          : `Needs the ${op.minRole} role (a session or a token of that role).`,
      parameters,
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input") } } } }
        : op.rawBody
          ? {
              requestBody: {
                required: true,
                content: {
                  "application/octet-stream": {
                    schema: { type: "string", contentMediaType: "application/octet-stream" },
                  },
                },
              },
            }
          : {}),
      responses,
      security: op.minRole === "public" ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Contact Sync API", version: "1.0.0", description: "See docs/api.md for conventions and examples." },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An API token: cs_ + 43 base64url characters." },
        sessionCookie: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
      },
    },
    paths,
  };
}
