import { describe, expect, it } from "vitest";
import type { Field } from "@/db/schema";
import { mappingDefaults } from "@/lib/wizard/mapping-step";
import { detectDelimiter } from "@/lib/wizard/detect";
import { formDataToObject } from "@/lib/form-data";
import { hasWildcard, isLinkProblem, readTypedLink } from "@/lib/wizard/location";
import { AUTO_KEY, mappingStepSchema, scheduleStepSchema, sourceStepSchema } from "@/lib/wizard/schemas";

// Pure wizard logic (no database): what the browser and the server actions share.

describe("file location", () => {
  it("takes the protocol from the link, or the select over the link", () => {
    expect(readTypedLink("SFTP://Files.Example.org:2222/export/a.csv", "auto")).toMatchObject({
      kind: "sftp",
      location: "sftp://files.example.org:2222/export/a.csv",
      hasWildcard: false,
    });
    expect(readTypedLink("ftp://host/drop/a.csv", "ftpes")).toMatchObject({
      kind: "ftpes",
      location: "ftpes://host/drop/a.csv",
    });
    expect(readTypedLink("host/drop/a.csv", "sftp")).toMatchObject({
      kind: "sftp",
      location: "sftp://host/drop/a.csv",
    });
  });

  it("refuses a backslash, an unknown scheme, a missing path", () => {
    const msg = (raw: string) => {
      const p = readTypedLink(raw, "auto");
      return isLinkProblem(p) ? p.message : null;
    };
    expect(msg("ftp://host\\drop\\a.csv")).toMatch(/\\ is not allowed/);
    expect(msg("gopher://host/a.csv")).toMatch(/not supported/);
    expect(msg("host/a.csv")).toMatch(/protocol/);
    expect(msg("sftp://host/")).toMatch(/path of a file/);
  });

  it("moves user:password out of the link", () => {
    expect(readTypedLink("ftp://bob:s%40cret@host/a.csv", "auto")).toMatchObject({
      location: "ftp://host/a.csv",
      login: "bob",
      password: "s@cret",
    });
  });

  it("knows folder links: * ? [..] in the last segment, never for HTTP", () => {
    expect(hasWildcard("ftp://host/drop/*.csv")).toBe(true);
    expect(hasWildcard("sftp://host/drop/export-????.csv")).toBe(true);
    expect(hasWildcard("ftps://host/drop/[ab]*.csv")).toBe(true);
    expect(hasWildcard("https://host/export.csv?x=1")).toBe(false);
    expect(readTypedLink("sftp://host/drop/file?.csv", "auto")).toMatchObject({
      location: "sftp://host/drop/file?.csv",
      hasWildcard: true,
    });
  });
});

describe("form data", () => {
  it("builds the same shape react-hook-form gives: arrays from numbered names and repeated names", () => {
    const fd = new FormData();
    fd.append("columns.0.column", "Email");
    fd.append("columns.0.fieldId", "f1");
    fd.append("columns.1.column", "Name");
    fd.append("byDay", "MO");
    fd.append("byDay", "WE");
    fd.append("$ACTION_ID_abc", "");
    fd.append("__proto__.polluted", "yes");
    expect(formDataToObject(fd)).toEqual({
      columns: [{ column: "Email", fieldId: "f1" }, { column: "Name" }],
      byDay: ["MO", "WE"],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("delimiter detection", () => {
  it("suggests the separator used consistently, ignoring quoted text", () => {
    expect(detectDelimiter("a;b;c\n1;2;3\n4;5;6\n")).toBe(";");
    expect(detectDelimiter('name,note\n"Smith; John","a;b"\n"Doe; Jane",c\n')).toBe(",");
    expect(detectDelimiter("a\tb\n1\t2\n")).toBe("\t");
    expect(detectDelimiter("single\ncolumn\n")).toBeNull();
  });
});

describe("step schemas", () => {
  it("checkboxes read the same from FormData ('on') and react-hook-form (true)", () => {
    const base = { sourceType: "upload", uploadId: "x", delimiter: "comma", encoding: "auto" };
    expect(sourceStepSchema.parse({ ...base, hasHeader: "on" }).hasHeader).toBe(true);
    expect(sourceStepSchema.parse({ ...base, hasHeader: true }).hasHeader).toBe(true);
    expect(sourceStepSchema.parse({ ...base }).hasHeader).toBe(false);
  });

  it("SFTP with a key needs a key that looks like one (unless one is stored)", () => {
    const base = {
      sourceType: "remote",
      location: "sftp://h/a.csv",
      login: "u",
      authMethod: "key",
      delimiter: "comma",
      encoding: "auto",
    };
    const bad = sourceStepSchema.safeParse({ ...base, privateKey: "hello" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].message).toMatch(/BEGIN/);
    expect(sourceStepSchema.safeParse({ ...base, privateKey: "", secretSet: "1" }).success).toBe(true);
  });

  it("mapping: a field fed by two columns is refused; generated keys are a valid choice", () => {
    const two = mappingStepSchema.safeParse({
      columns: [
        { column: "A", fieldId: "f" },
        { column: "B", fieldId: "f" },
      ],
      key: "A",
    });
    expect(two.success).toBe(false);
    expect(two.error!.issues[0].path).toEqual(["columns", 1, "fieldId"]);
    expect(mappingStepSchema.safeParse({ columns: [{ column: "A", fieldId: "" }], key: AUTO_KEY }).success).toBe(true);
  });

  it("schedule: time zone must exist; an end date before the start is refused", () => {
    const base = {
      startDate: "2030-01-01",
      startTime: "06:00",
      tz: "Europe/Paris",
      freq: "daily",
      interval: "1",
      safetyThresholdPct: "10",
    };
    expect(scheduleStepSchema.safeParse(base).success).toBe(true);
    expect(scheduleStepSchema.safeParse({ ...base, tz: "Mars/Olympus" }).success).toBe(false);
    const until = scheduleStepSchema.safeParse({ ...base, rangeKind: "until", untilDate: "2029-12-31" });
    expect(until.error!.issues[0].message).toMatch(/on or after the start/);
  });
});

describe("mapping defaults", () => {
  const field = (id: string, label: string, role: string | null, type: Field["type"] = "text") =>
    ({ id, label, role, type }) as Field;
  const fields = [
    field("k", "Unique Key", "key"),
    field("e", "Email", "email", "email"),
    field("f", "First Name", "first_name"),
    field("t", "Team", null),
  ];

  const defaultRules = { merge: "overwrite", empty: "clear" };

  it("pre-maps by name, case- and space-insensitively; the key column by the key field's label", () => {
    expect(mappingDefaults(["EMAIL", "first_name", "firstname", "unique key", "Other"], fields, null)).toEqual({
      columns: [
        { column: "EMAIL", fieldId: "e", ...defaultRules },
        { column: "first_name", fieldId: "f", ...defaultRules },
        { column: "firstname", fieldId: "", ...defaultRules },
        { column: "unique key", fieldId: "", ...defaultRules },
        { column: "Other", fieldId: "", ...defaultRules },
      ],
      key: "unique key",
    });
  });

  it("preselects the last import's key column when no column matches the key field", () => {
    expect(mappingDefaults(["email", "First Name"], fields, null, "Email").key).toBe("email");
    // The key field's own column wins over the last import's.
    expect(mappingDefaults(["Unique Key", "Email"], fields, null, "Email").key).toBe("Unique Key");
    expect(mappingDefaults(["Name"], fields, null, "Email").key).toBe("");
  });

  it("keeps a stored mapping for the columns still there, with its merge and empty-cell rules", () => {
    const d = mappingDefaults(["Mail", "Team", "First"], fields, {
      columns: [
        { column: "Mail", fieldId: "e" },
        { column: "Gone", fieldId: "t" },
        { column: "First", fieldId: "f", merge: "fill", empty: "keep" },
      ],
      keyColumn: "Mail",
      autoKey: false,
    });
    expect(d).toEqual({
      columns: [
        { column: "Mail", fieldId: "e", ...defaultRules },
        { column: "Team", fieldId: "", ...defaultRules },
        { column: "First", fieldId: "f", merge: "fill", empty: "keep" },
      ],
      key: "Mail",
    });
  });
});
