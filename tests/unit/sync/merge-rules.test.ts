import { describe, expect, it } from "vitest";
import {
  allDefault,
  fieldGroups,
  mergeRow,
  ruleSuffix,
  storedColumn,
  writes,
  writesPassword,
  type FieldRules,
} from "@/lib/sync/merge-rules";

const r = (merge: FieldRules["merge"], empty: FieldRules["empty"] = "clear"): FieldRules => ({ merge, empty });

describe("merge rules", () => {
  it("overwrite replaces; an empty cell clears, or keeps with keep", () => {
    expect(mergeRow({ a: "1", z: "kept" }, { a: "2" }, { a: r("overwrite") })).toEqual({ a: "2", z: "kept" });
    expect(mergeRow({ a: "1" }, { a: null }, { a: r("overwrite") })).toEqual({});
    expect(mergeRow({ a: "1" }, { a: null }, { a: r("overwrite", "keep") })).toEqual({ a: "1" });
    expect(mergeRow({ a: "1" }, { a: "2" }, { a: r("overwrite", "keep") })).toEqual({ a: "2" });
  });

  it("fill writes only into an empty value and never empties one", () => {
    expect(mergeRow({}, { a: "2" }, { a: r("fill") })).toEqual({ a: "2" });
    expect(mergeRow({ a: "1" }, { a: "2" }, { a: r("fill") })).toEqual({ a: "1" });
    expect(mergeRow({ a: "1" }, { a: null }, { a: r("fill") })).toEqual({ a: "1" });
    expect(mergeRow({ a: "1" }, { a: null }, { a: r("fill", "keep") })).toEqual({ a: "1" });
  });

  it("create-only never changes an existing contact", () => {
    expect(mergeRow({ a: "yes" }, { a: "no" }, { a: r("create-only") })).toEqual({ a: "yes" });
    expect(mergeRow({}, { a: "no" }, { a: r("create-only") })).toEqual({});
    expect(mergeRow({ a: "yes" }, { a: null }, { a: r("create-only") })).toEqual({ a: "yes" });
  });

  it("tells which cells are written, and passwords follow their merge rule", () => {
    expect(writes(r("overwrite"), "x", null)).toBe(true);
    expect(writes(r("overwrite", "keep"), "x", null)).toBe(false);
    expect(writes(r("fill"), undefined, "v")).toBe(true);
    expect(writes(r("fill"), "x", "v")).toBe(false);
    expect(writes(r("create-only"), undefined, "v")).toBe(false);
    expect(writesPassword("overwrite", true)).toBe(true);
    expect(writesPassword("fill", true)).toBe(false);
    expect(writesPassword("fill", false)).toBe(true);
    expect(writesPassword("create-only", false)).toBe(false);
  });

  it("groups fields for the SQL, and leaves default rules out of what is stored and hashed", () => {
    const g = fieldGroups([
      { fieldId: "a", rules: r("overwrite") },
      { fieldId: "b", rules: r("overwrite", "keep") },
      { fieldId: "c", rules: r("fill", "keep") },
      { fieldId: "d", rules: r("create-only") },
    ]);
    expect(g).toEqual({ overwriteClear: ["a"], overwriteKeep: ["b"], fill: ["c"], createOnly: ["d"] });
    expect(allDefault(g)).toBe(false);
    expect(allDefault(fieldGroups([{ fieldId: "a", rules: r("overwrite") }]))).toBe(true);
    expect(storedColumn("A", "a", { merge: "overwrite", empty: "clear" })).toEqual({ column: "A", fieldId: "a" });
    expect(storedColumn("A", "a", { merge: "fill" })).toEqual({ column: "A", fieldId: "a", merge: "fill" });
    expect(ruleSuffix(r("overwrite"))).toBe("");
    expect(ruleSuffix(r("fill", "keep"))).toBe(":fill:keep");
  });
});
