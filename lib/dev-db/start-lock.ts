import fs from "node:fs";

/**
 * A lock between processes of one machine: a directory made with mkdir (atomic), holding its owner's pid.
 * A lock whose owner died is taken over. Used so that two processes that find no server do not both start one.
 */
export async function withStartLock<T>(lockDir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(`${lockDir}/pid`, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (ownerGone(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the start lock ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function ownerGone(lockDir: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(`${lockDir}/pid`, "utf8"));
  } catch {
    // Made but not yet written (its owner is between mkdir and write), or written by a crashed owner long ago.
    const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
