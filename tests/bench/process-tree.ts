/**
 * Runs `npm run -s cli -- <args>` as a user does and measures the whole process tree: wall time from spawn to
 * exit, and the highest peak RSS (VmHWM) of any process in the tree, sampled from /proc every 50 ms (VmHWM
 * only grows, so the last sample of each process is at most 50 ms of growth short of its true peak).
 */
import fs from "node:fs";
import { spawn } from "node:child_process";

export type MeasuredRun = { code: number | null; seconds: number; peakRssMb: number; stdout: string; stderr: string };

function childrenOf(pid: number): number[] {
  try {
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((t) =>
      fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function treeOf(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all;
}

function peakKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function runCliMeasured(args: string[]): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("npm", ["run", "-s", "cli", "--", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const peaks = new Map<number, number>();
    const sample = () => {
      if (child.pid) for (const pid of treeOf(child.pid)) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peakKb(pid)));
    };
    const timer = setInterval(sample, 50);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      clearInterval(timer);
      const peakRssMb = Math.round(Math.max(0, ...peaks.values()) / 1024);
      resolve({ code, seconds, peakRssMb, stdout, stderr });
    });
  });
}
