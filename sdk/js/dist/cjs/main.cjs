"use strict";
// CommonJS entry: the export is the client class, with every named export attached, so both
// `const OpenClaw = require("clawgate-sdk")` and `const { OpenClawClient } = require(...)` work.
const m = require("./index.js");
module.exports = Object.assign(m.Clawgate, m);
