/**
 * Row hashes: what an import compares to tell an unchanged row from a changed one without reading the
 * contact's data. A row hash is the mapping's tag (mappingTag: the mapped field ids and their rules)
 * followed by 16 hex digits of XXH64 over the row's values in mapping order and its password MAC.
 * It is a fingerprint, not a defence: the file's author could make a changed row look unchanged only to
 * their own loss, and two different rows share a hash with odds of about 2^-64.
 *
 * Every path computes it here, in Node: the stage and the direct COPY carry it, and a re-sync compares it
 * with the stored one (known-contacts.ts). A stored hash of another length (an older format) never equals a
 * row's: such a contact is compared by its data once and its hash rewritten (plan.ts, "rehash").
 */
import { hash } from "node:crypto";
import xxhash from "xxhash-wasm";
import { ruleSuffix } from "@/lib/sync/merge-rules";
import type { RowPlan, StagedRow } from "@/lib/sync/validate";

/**
 * Six characters naming the mapped field ids, in order, with their merge rules: hashes of different
 * mappings never match, and a rule change is a mapping change. Default rules add nothing (the tags of
 * mappings without rules are those from before rules existed).
 */
export function mappingTag(plan: RowPlan): string {
  let text = plan.targets.map((t) => t.field.id + ruleSuffix(t.rules)).join(",");
  if (plan.password && plan.password.merge !== "overwrite") text += `;password:${plan.password.merge}`;
  return hash("md5", text, "base64url").slice(0, 6);
}

/** Hex digits after the tag. */
export const DIGEST_HEX = 16;

export type RowHasher = {
  /** The mapping's tag, the first characters of every row hash of this mapping. */
  readonly tag: string;
  /** The part after the tag: DIGEST_HEX hex digits. */
  digest(row: StagedRow): string;
};

let api: ReturnType<typeof xxhash> | null = null;

/**
 * The hash's input: the values joined by NUL (an empty cell is empty text), then NUL and the password MAC
 * when there is one. No value holds a NUL (the validator refuses it) and a mapping has a fixed number of
 * values, so two different rows never give the same input. One join builds it flat, which the hash reads fastest.
 */
function hashInput(row: StagedRow): string {
  const text = row.values.join("\u0000");
  return row.passwordMac === null ? text : text + "\u0000" + row.passwordMac;
}

/** The row hasher of the mapping whose tag is `tag` (the WebAssembly hash is compiled once per process). */
export async function rowHasher(tag: string): Promise<RowHasher> {
  api ??= xxhash();
  const { h64ToString } = await api;
  return { tag, digest: (row) => h64ToString(hashInput(row)) };
}
