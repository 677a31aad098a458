import { spawn } from "node:child_process";
import path from "node:path";

export const root = path.resolve(__dirname, "../../..");

export type CliResult = { code: number; stdout: string; stderr: string };

/** Run the real CLI in a child process: the bundle, through the same entry as `npm run -s cli`. */
export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/cli.mjs", ...args], {
      cwd: root,
      env: process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
