import { describe, expect, it } from "vitest";
import { AppError, errorResponse, gone, httpStatusOf, notFound } from "@/lib/errors";
import { SourceError } from "@/lib/sources/errors";

describe("error codes", () => {
  it("factories give the code, the message staff see and the status of the code", () => {
    expect(notFound("import")).toMatchObject({ code: "not_found", message: "Import not found.", status: 404 });
    expect(notFound("manager").message).toBe("Contact Manager not found.");
    expect(gone("manager")).toMatchObject({ code: "not_found", message: "This Contact Manager no longer exists." });
  });

  it("one table maps codes to HTTP statuses; a source's missing file is the server's failure", () => {
    expect(httpStatusOf("run_active")).toBe(409);
    expect(httpStatusOf("too_many_attempts")).toBe(429);
    expect(new AppError("edit_conflict", "x").status).toBe(409);
    expect(new SourceError("bad_location", "x").status).toBe(400);
    expect(new SourceError("timeout", "x").status).toBe(502);
    expect(new SourceError("not_found", "x").status).toBe(502);
  });

  it("the API's error body carries the code and the status; anything else is a generic 500", async () => {
    const known = errorResponse(notFound("run"));
    expect(known.status).toBe(404);
    expect(await known.json()).toEqual({ error: { code: "not_found", message: "Run not found." } });
    const unknown = errorResponse(new Error("secret detail"));
    expect(unknown.status).toBe(500);
    expect(JSON.stringify(await unknown.json())).not.toContain("secret detail");
  });
});
