import type { z } from "zod";
import { AppError } from "@/lib/errors";

/** Request bodies of the JSON API are small documents; files go to the upload routes. */
const MAX_JSON_BYTES = 1 << 20;

/** Read a JSON body and parse it with `schema`: 400 with the first problem (and its path) when it does not fit. */
export async function readJson<S extends z.ZodType>(
  req: Request,
  schema: S,
  opts: { optional?: boolean } = {},
): Promise<z.output<S>> {
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES)
    throw new AppError("body_too_large", "The JSON body is larger than 1 MiB.");
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new AppError("invalid_json", "The request body is not valid JSON.");
    }
  } else if (!opts.optional) {
    throw new AppError("invalid_json", "Send a JSON body.");
  }
  return parseWith(schema, value);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AppError("invalid_body", `${where}${issue?.message ?? "Invalid body."}`, 400, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return parsed.data;
}
