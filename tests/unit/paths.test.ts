import { describe, expect, it } from "vitest";
import { apiUploadsPath, importsPath, runPath, tokensPath, withQuery, wizardPath } from "@/lib/paths";

describe("route helpers", () => {
  it("build every URL of the import pages", () => {
    expect(importsPath("m1")).toBe("/managers/m1/imports");
    expect(importsPath("m1", { notice: "import_scheduled" })).toBe("/managers/m1/imports?notice=import_scheduled");
    expect(wizardPath("m1", null, "mapping")).toBe("/managers/m1/imports/new");
    expect(wizardPath("m1", "s1", "mapping", { notice: undefined })).toBe("/managers/m1/imports/s1/edit/mapping");
    expect(runPath("m1", "s1", "r1")).toBe("/managers/m1/imports/s1/runs/r1");
  });

  it("encode query values and leave empty ones out", () => {
    expect(withQuery("/x", { a: "", b: null, c: undefined })).toBe("/x");
    expect(apiUploadsPath("/managers/m1/imports/new")).toBe("/api/uploads?returnTo=%2Fmanagers%2Fm1%2Fimports%2Fnew");
    expect(tokensPath({ after: "a=b&c" })).toBe("/admin/tokens?after=a%3Db%26c");
  });
});
