import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * For a one-machine start with nothing configured, generate AUTH_SECRET and ENCRYPTION_KEY once and keep
 * them in .data/secrets.json (mode 600). Several instances must be given the same values through the env.
 */
export function ensureLocalSecrets(dataDir = ".data"): { AUTH_SECRET: string; ENCRYPTION_KEY: string } {
  const file = path.resolve(dataDir, "secrets.json");
  let stored: Partial<Record<"AUTH_SECRET" | "ENCRYPTION_KEY", string>> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, "utf8"));
  const secrets = {
    AUTH_SECRET: process.env.AUTH_SECRET || stored.AUTH_SECRET || randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY || stored.ENCRYPTION_KEY || randomBytes(32).toString("base64"),
  };
  // Only generated values are written: a secret given through the environment never lands on disk.
  const toStore = { ...stored };
  if (!process.env.AUTH_SECRET) toStore.AUTH_SECRET = secrets.AUTH_SECRET;
  if (!process.env.ENCRYPTION_KEY) toStore.ENCRYPTION_KEY = secrets.ENCRYPTION_KEY;
  if (JSON.stringify(toStore) !== JSON.stringify(stored)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(toStore, null, 2), { mode: 0o600 });
  }
  return secrets;
}
