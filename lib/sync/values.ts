import { domainToASCII } from "node:url";
import { z } from "zod";
import type { FieldType } from "@/db/schema";

/**
 * Checks and canonical forms of one cell value per field type. Returns the stored value, or an error
 * message written for staff. Values arrive trimmed and non-empty.
 *
 * Formats (README "Import formats"):
 *  - email: one address (zod's email check), stored as given (trimmed).
 *  - language: BCP 47 tag whose primary subtag is a real ISO 639 language; stored canonicalised.
 *  - number: optional sign, digits, optional "." decimals, optional exponent (1, -2.5, 1e6); no thousands
 *    separators, no decimal comma (ambiguous with delimiters). Stored as written.
 *  - date: ISO 8601 calendar date YYYY-MM-DD, optionally with a time (YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]);
 *    ambiguous forms such as 01/02/2024 are refused. Stored as written.
 *  - text, password: anything.
 */
export type ValueCheck = { ok: true; value: string } | { ok: false; message: string };

// z.email()'s own pattern, tested directly: same answer without a parse result per cell.
const EMAIL = z.regexes.email;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * zod's pattern is ASCII only. An internationalised address is checked in its ASCII form: the domain in
 * punycode (bücher.de → xn--bcher-kva.de), each non-ASCII letter or digit of the local part (RFC 6531) as a
 * plain one. The value is kept as written.
 */
function isEmail(value: string): boolean {
  if (EMAIL.test(value)) return true;
  if (ASCII.test(value)) return false;
  const at = value.lastIndexOf("@");
  if (at < 1) return false;
  const written = value.slice(at + 1);
  if (written.split(".").some((label) => label.startsWith("-") || label.endsWith("-"))) return false;
  const domain = domainToASCII(written);
  if (!domain) return false;
  const local = value.slice(0, at).replace(/[\p{L}\p{M}\p{N}]/gu, (c) => (ASCII.test(c) ? c : "a"));
  return EMAIL.test(`${local}@${domain}`);
}
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

// Made on first use: building it loads ICU's language names (~20 ms), which a run without language fields skips.
let displayNames: Intl.DisplayNames | undefined;
function languageNames(): Intl.DisplayNames {
  displayNames ??= new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });
  return displayNames;
}
const languageCache = new Map<string, string | null>();

/** `EN` → `en`, `pt-br` → `pt-BR`, `en_US` → `en-US`; null when not a tag of a real ISO 639 language. */
export function canonicalLanguage(input: string): string | null {
  const cached = languageCache.get(input);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  try {
    const [canon] = Intl.getCanonicalLocales(input.trim().replace(/_/g, "-"));
    const primary = canon?.split("-")[0] ?? "";
    // ISO 639 codes are 2 or 3 letters; DisplayNames with fallback "none" knows the real ones.
    if (/^[a-z]{2,3}$/.test(primary) && primary !== "und" && languageNames().of(primary) !== undefined) result = canon;
  } catch {
    result = null;
  }
  if (languageCache.size < 10_000) languageCache.set(input, result);
  return result;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

export function checkValue(type: FieldType, value: string): ValueCheck {
  switch (type) {
    case "text":
    case "password":
      return { ok: true, value };
    case "email":
      return isEmail(value)
        ? { ok: true, value }
        : { ok: false, message: `"${clip(value)}" is not a valid email address.` };
    case "language": {
      const tag = canonicalLanguage(value);
      return tag
        ? { ok: true, value: tag }
        : {
            ok: false,
            message: `"${clip(value)}" is not an ISO language tag (use codes such as en, fr, pt-BR — not language names).`,
          };
    }
    case "number":
      return NUMBER.test(value)
        ? { ok: true, value }
        : { ok: false, message: `"${clip(value)}" is not a number (use digits with "." for decimals, e.g. -12.5).` };
    case "date": {
      const m = DATE.exec(value);
      const ok =
        m !== null &&
        validDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
        (m[4] === undefined || (Number(m[4]) < 24 && Number(m[5]) < 60 && (m[6] === undefined || Number(m[6]) < 60))) &&
        (m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60));
      return ok
        ? { ok: true, value }
        : { ok: false, message: `"${clip(value)}" is not a date (use YYYY-MM-DD, e.g. 2024-03-31).` };
    }
  }
}

/** Keep error messages short when a cell is huge. */
export function clip(value: string, max = 60): string {
  return value.length > max ? value.slice(0, max) + "…" : value;
}
