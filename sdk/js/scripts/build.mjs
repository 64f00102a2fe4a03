// Builds dist/ (or the directory given as `--out <dir>`): the ESM build (also what browsers
// load), the CommonJS build with a `main.cjs` entry whose export is the client class itself
// (`const OpenClaw = require('clawgate-sdk')`), and the type declarations. Uses the pinned
// TypeScript from devDependencies.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const i = process.argv.indexOf("--out");
const out = i > 0 ? resolve(process.argv[i + 1]) : join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = (...args) => execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), ...args], { stdio: "inherit" });

rmSync(out, { recursive: true, force: true });
run("--outDir", join(out, "esm"), "--declarationDir", join(out, "types"));
run("--outDir", join(out, "cjs"), "--module", "CommonJS", "--moduleResolution", "Node10", "--declaration", "false");
mkdirSync(join(out, "cjs"), { recursive: true });
writeFileSync(join(out, "cjs", "package.json"), '{ "type": "commonjs" }\n');
writeFileSync(
  join(out, "cjs", "main.cjs"),
  `"use strict";
// CommonJS entry: the export is the client class, with every named export attached, so both
// \`const OpenClaw = require("clawgate-sdk")\` and \`const { OpenClawClient } = require(...)\` work.
const m = require("./index.js");
module.exports = Object.assign(m.Clawgate, m);
`,
);
