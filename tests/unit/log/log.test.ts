import { afterEach, describe, expect, it } from "vitest";
import { logger } from "@/lib/log";

const write = process.stderr.write.bind(process.stderr);
function capture(fn: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return lines
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const level = logger.level;
afterEach(() => {
  logger.level = level;
});

describe("logger (pino)", () => {
  it("writes one JSON object a line: time, level name, message, context", () => {
    logger.level = "info";
    const [line] = capture(() => logger.info("scheduler started", { intervalSeconds: 15 }));
    expect(line).toMatchObject({ level: "info", msg: "scheduler started", intervalSeconds: 15, pid: process.pid });
    expect(new Date(line.t as string).toISOString()).toBe(line.t);
  });

  it("child loggers carry their ids on every line", () => {
    logger.level = "info";
    const run = logger.child({ runId: "r-1", syncId: "s-1" });
    const lines = capture(() => {
      run.info("a");
      run.child({ requestId: "q-1" }).warn("b");
    });
    expect(lines[0]).toMatchObject({ runId: "r-1", syncId: "s-1", msg: "a" });
    expect(lines[1]).toMatchObject({ runId: "r-1", requestId: "q-1", level: "warn", msg: "b" });
  });

  it("logs an error passed as err with its type, message and stack", () => {
    const [line] = capture(() => logger.error("run failed", { err: new TypeError("boom") }));
    const err = line.err as { type: string; message: string; stack: string };
    expect(err.type).toBe("TypeError");
    expect(err.message).toBe("boom");
    expect(err.stack).toMatch(/TypeError: boom\n\s+at /);
  });

  it("redacts secrets by field name and masks credentials in URLs", () => {
    const [line] = capture(() =>
      logger.error("source failed ftp://ann:hunter2@ftp.example.org/x.csv", {
        password: "hunter2",
        source: { login: "ann", privateKey: "-----BEGIN KEY-----", url: "sftp://ann:hunter2@h/p" },
        headers: { authorization: "Bearer cs_secret", cookie: "next-auth.session-token=abc" },
      }),
    );
    const text = JSON.stringify(line);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("BEGIN KEY");
    expect(text).not.toContain("cs_secret");
    expect(text).not.toContain("session-token=abc");
    expect(line.password).toBe("[redacted]");
    expect(line.msg).toBe("source failed ftp://[redacted]@ftp.example.org/x.csv");
    expect((line.source as { url: string }).url).toBe("sftp://[redacted]@h/p");
  });

  it("keeps below its level quiet (tests run at warn unless LOG_LEVEL asks for more)", () => {
    logger.level = "warn";
    expect(capture(() => logger.info("request", { status: 200 }))).toEqual([]);
    expect(capture(() => logger.warn("slow"))).toHaveLength(1);
  });
});

describe("logger: errors carrying secrets", () => {
  it("masks credentials in an error's message and stack", () => {
    const [line] = capture(() => logger.error("x", { err: new Error("connect to ftp://ann:hunter2@10.0.0.1 failed") }));
    const err = line.err as { type: string; message: string; stack: string };
    expect(err.type).toBe("Error");
    expect(JSON.stringify(line)).not.toContain("hunter2");
    expect(err.message).toBe("connect to ftp://[redacted]@10.0.0.1 failed");
  });
});
