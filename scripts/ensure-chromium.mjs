/**
 * First step of `npm test`: Playwright runs in Debian's chromium (it cannot download its own browsers here).
 * When it is missing: as root, install it with apt; otherwise stop at once with the exact command to run.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const command = "apt-get update && apt-get install -y chromium";

function present() {
  try {
    fs.accessSync(chromium, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

if (!present()) {
  if (process.env.CHROMIUM_PATH) {
    console.error(
      `CHROMIUM_PATH is ${chromium}, which is missing: point it to a chromium, or unset it to use Debian's.`,
    );
    process.exit(1);
  }
  if (process.getuid?.() !== 0) {
    console.error(`The end-to-end tests need Debian's chromium at ${chromium}, and it is missing. Install it with:`);
    console.error(`  sudo sh -c '${command}'`);
    process.exit(1);
  }
  console.error(`Installing Debian's chromium for the end-to-end tests (${command})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed${r.error ? `: ${r.error.message}` : ""}.`);
      process.exit(1);
    }
  }
  if (!present()) {
    console.error(`chromium was installed but ${chromium} is still missing.`);
    process.exit(1);
  }
}
