/**
 * Builds the CLI bundle: lib/cli/entry.ts and everything it imports, into one ESM file, .cli/cli.mjs (not
 * committed), so that `npm run cli` is one plain Node process with nothing to transpile. scripts/cli.mjs
 * rebuilds it whenever an input is newer than the bundle; `node scripts/cli-build.mjs` builds it now (the
 * postinstall does).
 *
 * .cli/inputs.json lists what the bundle was built from (esbuild's metafile inputs, plus the files that steer
 * the build) and the folder it was built in: the staleness check compares their modification times with the
 * bundle's.
 */
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const outDir = path.join(root, ".cli");
export const bundlePath = path.join(outDir, "cli.mjs");
const inputsPath = path.join(outDir, "inputs.json");

/** Not bundled: native addons (pino is bundled: the app logs to stderr, with no worker transports to find). */
const EXTERNAL = ["ssh2", "cpu-features"];
/** Besides the sources: what changes the build without being one of its inputs. */
const STEERING = ["package.json", "tsconfig.json", "node_modules/.package-lock.json", "scripts/cli-build.mjs"];

const escapeName = (name) => name.replace(/[-/.]/g, "\\$&");

/**
 * An external package, and each of Node's own modules, as a CommonJS module that requires it: loaded when the
 * module that imports it first runs (a command that needs it), not when the bundle starts, as a static ESM
 * import of it would be (the ESM face of node:http alone loads Node's fetch implementation).
 */
const lazyExternals = {
  name: "lazy-externals",
  setup(build) {
    const builtins = builtinModules.filter((m) => !m.startsWith("_")).map(escapeName);
    const filter = new RegExp(
      `^((${EXTERNAL.map(escapeName).join("|")})(/.*)?|(node:)?(${builtins.join("|")})|node:.+)$`,
    );
    build.onResolve({ filter }, (args) =>
      args.namespace === "lazy-external"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-external" },
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-external" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
      resolveDir: root,
    }));
  },
};

/** import.meta.url in a project source means that source's own place (db/migrate.ts finds its migrations so). */
const ownUrl = {
  name: "own-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      return {
        contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith("x") ? "tsx" : "ts",
      };
    });
  },
};

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Why the bundle must be (re)built, or null when it is current. */
export function staleReason() {
  const built = mtimeMs(bundlePath);
  if (built === Number.POSITIVE_INFINITY) return "no bundle yet";
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(inputsPath, "utf8"));
  } catch {
    return "no input list";
  }
  if (recorded.root !== root) return "built in another folder";
  // Joined by hand: path.resolve on each of some 400 inputs was most of this check's time at every start.
  for (const file of [...recorded.inputs, ...STEERING]) {
    if (mtimeMs(path.isAbsolute(file) ? file : `${root}${path.sep}${file}`) > built) return `${file} changed`;
  }
  return null;
}

export async function buildCli() {
  const esbuild = await import("esbuild");
  const started = Date.now();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["lib/cli/entry.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    tsconfig: "tsconfig.json",
    write: false,
    outfile: bundlePath,
    metafile: true,
    logLevel: "error",
    legalComments: "none",
    // Bundled CommonJS code calls require() for Node's modules and the externals, and may read __dirname.
    banner: {
      js: [
        'import { createRequire as __cliRequire } from "node:module";',
        "const require = __cliRequire(import.meta.url);",
        "const __filename = import.meta.filename;",
        "const __dirname = import.meta.dirname;",
      ].join("\n"),
    },
    plugins: [lazyExternals, ownUrl],
  });
  fs.mkdirSync(outDir, { recursive: true });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes(":"));
  // Written beside and renamed into place: a CLI starting meanwhile reads either the old bundle or the new one.
  const tmp = `.${process.pid}.tmp`;
  fs.writeFileSync(inputsPath + tmp, JSON.stringify({ root, inputs }));
  fs.writeFileSync(bundlePath + tmp, result.outputFiles[0].contents);
  // The bundle is dated from the start of the build: a source saved while it ran is newer, and triggers the next.
  const at = new Date(started);
  fs.utimesSync(bundlePath + tmp, at, at);
  fs.renameSync(inputsPath + tmp, inputsPath);
  fs.renameSync(bundlePath + tmp, bundlePath);
  return { inputs: inputs.length, ms: Date.now() - started };
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  buildCli().then(
    ({ inputs, ms }) =>
      console.error(`Built the CLI bundle ${path.relative(root, bundlePath)} (${inputs} inputs, ${ms} ms).`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
