import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A static net under the access rule (every entry checks the session and role itself): every page, server action file and route handler in app/
 * goes through lib/auth/guard.ts — directly, or through a module it imports (e.g. a wizard loader).
 * Public entries are listed here with the reason; add yours only with a reason.
 */
const publicFiles: Record<string, string> = {
  "app/page.tsx": "redirects to /managers, which checks",
  "app/signin/page.tsx": "the sign-in page",
  "app/_actions/session.ts": "sign-in and sign-out actions",
  "app/api/auth/[...nextauth]/route.ts": "next-auth's own endpoints (sign-in, csrf, session)",
  "app/api/health/route.ts": "health check for load balancers",
  "app/api/ready/route.ts": "readiness check for load balancers (no data)",
};

const root = path.resolve(__dirname, "../../..");
const GUARD = /\b(requireUser|authorizedAction|withApiAuth)(<[^(]*>)?\(/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function entryFiles(): string[] {
  return walk(path.join(root, "app"))
    .map((f) => path.relative(root, f))
    .filter(
      (f) =>
        /\/(page|route)\.tsx?$/.test(f) ||
        (/\.tsx?$/.test(f) && /^["']use server["']/m.test(readFileSync(path.join(root, f), "utf8"))),
    );
}

/** The file's own text plus the text of the local modules it imports (one level). */
function textWithImports(file: string): string {
  const text = readFileSync(path.join(root, file), "utf8");
  const imported = [...text.matchAll(/from\s+["'](\.{1,2}\/[^"']+|@\/app\/[^"']+)["']/g)].map((m) => m[1]);
  const extra = imported.flatMap((spec) => {
    const base = spec.startsWith("@/")
      ? path.join(root, spec.slice(2))
      : path.resolve(path.dirname(path.join(root, file)), spec);
    for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
      try {
        if (statSync(candidate).isFile()) return [readFileSync(candidate, "utf8")];
      } catch {
        // try the next candidate
      }
    }
    return [];
  });
  return [text, ...extra].join("\n");
}

describe("every page, action file and route handler checks access", () => {
  const files = entryFiles();
  it("finds the entry points", () => {
    expect(files).toContain("app/managers/page.tsx");
    expect(files).toContain("app/managers/actions.ts");
  });
  it.each(files.filter((f) => !(f in publicFiles)))("%s uses the guard", (file) => {
    expect(GUARD.test(textWithImports(file)), `${file} must call requireUser / authorizedAction / withApiAuth`).toBe(
      true,
    );
  });
  it("server action files export only guarded actions", () => {
    for (const file of files.filter((f) => !f.endsWith("page.tsx") && !f.endsWith("route.ts") && !(f in publicFiles))) {
      const text = readFileSync(path.join(root, file), "utf8");
      const plainExports = [...text.matchAll(/^export\s+async\s+function\s+(\w+)/gm)].map((m) => m[1]);
      for (const name of plainExports) {
        // A plain exported async function in a "use server" file is a public endpoint: it must check itself.
        const body = text.slice(text.indexOf(`function ${name}`));
        expect(
          GUARD.test(body.slice(0, body.indexOf("\n}") + 2)) ||
            /getCurrentUser\(|requireUser\(/.test(body.slice(0, 400)),
          `${file}: ${name} must check the session`,
        ).toBe(true);
      }
    }
  });
});
