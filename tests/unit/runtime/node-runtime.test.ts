import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

describe("runtime", () => {
  it("runs on Node 24 (the `node` dependency comes first on PATH in npm scripts)", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
  });

  it("loads ssh2's native crypto binding and cpu-features, built for this Node", () => {
    expect(() => require("ssh2/lib/protocol/crypto/build/Release/sshcrypto.node")).not.toThrow();
    const features = require("cpu-features")() as { arch: string };
    expect(typeof features.arch).toBe("string");
  });
});
