import { describe, expect, it } from "vitest";
import { canonicalLanguage, checkValue } from "@/lib/sync/values";
import { createRowValidator, resolveRowPlan, rowData, type RowError } from "@/lib/sync/validate";
import { csvCell } from "@/lib/csv-writer";

const fields = [
  { id: "k", label: "Unique Key", type: "text" as const, role: "key" },
  { id: "e", label: "Email", type: "email" as const, role: "email" },
  { id: "l", label: "Language", type: "language" as const, role: "language" },
  { id: "p", label: "Password", type: "password" as const, role: "password" },
  { id: "n", label: "Score", type: "number" as const, role: null },
  { id: "d", label: "Born", type: "date" as const, role: null },
];

describe("values", () => {
  it("canonicalises language tags and refuses language names", () => {
    expect(canonicalLanguage("EN")).toBe("en");
    expect(canonicalLanguage("pt-br")).toBe("pt-BR");
    expect(canonicalLanguage("en_US")).toBe("en-US");
    expect(canonicalLanguage("zh-hant-tw")).toBe("zh-Hant-TW");
    expect(canonicalLanguage("English")).toBeNull();
    expect(canonicalLanguage("xx")).toBeNull();
    expect(canonicalLanguage("en-")).toBeNull();
    expect(canonicalLanguage("und")).toBeNull();
  });

  it("checks emails, numbers and dates", () => {
    expect(checkValue("email", "ann@x.com").ok).toBe(true);
    expect(checkValue("email", "ann@").ok).toBe(false);
    for (const ok of ["1", "-2.5", "+3", ".5", "1e6", "10."]) expect(checkValue("number", ok).ok).toBe(true);
    for (const bad of ["1,5", "1 000", "abc", "", "--1"]) expect(checkValue("number", bad).ok).toBe(false);
    for (const ok of ["2024-02-29", "2024-03-31T10:00", "2024-03-31T10:00:59Z", "2024-03-31 10:00:00+02:00"])
      expect(checkValue("date", ok).ok).toBe(true);
    for (const bad of ["2023-02-29", "2024-13-01", "01/02/2024", "2024-03-31T25:00"])
      expect(checkValue("date", bad).ok).toBe(false);
  });

  it("escapes formula-looking CSV cells", () => {
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("@x")).toBe("'@x");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("plain")).toBe("plain");
  });
});

describe("row validator", () => {
  const columns = ["Mail", "Lang", "Pw", "Score", "Born"];
  const plan = resolveRowPlan(
    columns,
    {
      keyColumn: "mail",
      autoKey: false,
      columns: [
        { column: "Mail", fieldId: "e" },
        { column: "Lang", fieldId: "l" },
        { column: "Pw", fieldId: "p" },
        { column: "score", fieldId: "n" },
        { column: "Born", fieldId: "d" },
      ],
    },
    fields,
  );
  process.env.AUTH_SECRET ??= "x".repeat(40);
  const validate = createRowValidator(plan, { maxFieldBytes: 100 });

  it("stages a valid row with canonical values, trimmed key and its lower-case form", () => {
    const errors: RowError[] = [];
    const row = validate({ line: 2, fields: ["  Ann@X.com ", "pt-br", "s3cret", "12", "2024-01-31"] }, errors);
    expect(errors).toEqual([]);
    expect(row).toMatchObject({ line: 2, key: "Ann@X.com", keyNorm: "ann@x.com", valid: true, password: "s3cret" });
    expect(rowData(plan, row)).toEqual({ e: "Ann@X.com", l: "pt-BR", n: "12", d: "2024-01-31" });
    expect(row.passwordMac).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("the same password gives the same MAC for the same key only", () => {
    const a = validate({ line: 2, fields: ["a@x.com", "", "pw", "", ""] }, []);
    const b = validate({ line: 3, fields: ["A@X.com", "", "pw", "", ""] }, []);
    const c = validate({ line: 4, fields: ["c@x.com", "", "pw", "", ""] }, []);
    expect(a.passwordMac).toBe(b.passwordMac);
    expect(a.passwordMac).not.toBe(c.passwordMac);
  });

  it("reports every problem with line and column, keeps the key of an invalid row", () => {
    const errors: RowError[] = [];
    const row = validate({ line: 7, fields: ["bob@x.com", "English", "", "1,5", "31/01/2024"] }, errors);
    expect(row.valid).toBe(false);
    expect(row.keyNorm).toBe("bob@x.com");
    expect(row.password).toBeNull();
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [7, "Lang"],
      [7, "Score"],
      [7, "Born"],
    ]);
    expect(errors[0].message).toMatch(/English/);
  });

  it("flags empty keys, wrong field counts, NUL bytes and oversized values", () => {
    const errors: RowError[] = [];
    expect(validate({ line: 2, fields: ["  ", "", "", "", ""] }, errors).valid).toBe(false);
    expect(validate({ line: 3, fields: ["a@x.com", "en"] }, errors)).toMatchObject({
      valid: false,
      keyNorm: "a@x.com",
    });
    expect(validate({ line: 4, fields: ["b@x.com", "e\0n", "", "", ""] }, errors).valid).toBe(false);
    expect(validate({ line: 5, fields: ["c@x.com", "x".repeat(101), "", "", ""] }, errors).valid).toBe(false);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(errors[0].message).toMatch(/key is empty/);
    expect(errors[1].message).toMatch(/2 fields; the header has 5/);
  });

  it("refuses a mapping naming a column the file does not have", () => {
    expect(() => resolveRowPlan(["A"], { keyColumn: "Email", autoKey: false, columns: [] }, fields)).toThrow(
      /no column "Email"/,
    );
  });
});

describe("values: dates with an offset, internationalised emails", () => {
  it("refuses an offset that cannot exist", () => {
    expect(checkValue("date", "2024-01-01T10:00+01:00").ok).toBe(true);
    expect(checkValue("date", "2024-01-01T10:00-0530").ok).toBe(true);
    expect(checkValue("date", "2024-01-01T10:00+99:99").ok).toBe(false);
    expect(checkValue("date", "2024-01-01T10:00-2475").ok).toBe(false);
    expect(checkValue("date", "2024-01-01T10:00+01:60").ok).toBe(false);
  });

  it("accepts an internationalised address as it accepts its ASCII form, and keeps it as written", () => {
    expect(checkValue("email", "user@xn--bcher-kva.de")).toEqual({ ok: true, value: "user@xn--bcher-kva.de" });
    expect(checkValue("email", "user@bücher.de")).toEqual({ ok: true, value: "user@bücher.de" });
    expect(checkValue("email", "müller@example.de").ok).toBe(true);
    expect(checkValue("email", "a+tag@example.com").ok).toBe(true);
    // Still refused: no domain dot, spaces (also no-break ones), an empty or broken domain.
    for (const bad of [
      "müller@localhost",
      "mül ler@example.de",
      "mül\u00a0ler@example.de",
      "müller@",
      "@bücher.de",
      "müller@bü..de",
      "müller@-bücher.de",
    ])
      expect(checkValue("email", bad).ok, bad).toBe(false);
  });
});
