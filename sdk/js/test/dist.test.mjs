// dist/ is committed (so `npm install ./sdk/js` and `file:` installs need no build step and a
// page can load dist/esm directly); this checks it is what the sources build to.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function files(dir) {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

test("the committed dist/ matches a fresh build of src/", () => {
  const out = mkdtempSync(join(tmpdir(), "clawgate-sdk-dist-"));
  try {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--out", out], { stdio: "pipe" });
    const want = files(out).map((f) => relative(out, f)).sort();
    const have = files(join(ROOT, "dist")).map((f) => relative(join(ROOT, "dist"), f)).sort();
    assert.deepEqual(have, want, "dist/ files differ: run `npm run build` in sdk/js and commit dist/");
    for (const f of want) {
      assert.equal(readFileSync(join(ROOT, "dist", f), "utf8"), readFileSync(join(out, f), "utf8"), `dist/${f} is stale: run \`npm run build\``);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
