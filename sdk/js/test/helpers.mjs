// Shared by the SDK tests: the gateways tests/py/test_sdks.py started (env), and the client.
import { Clawgate } from "../dist/esm/index.js";

export const BASE = process.env.CLAWGATE_BASE_URL;
export const LIMITED = process.env.CLAWGATE_LIMITED_URL;
export const TOKEN = process.env.CLAWGATE_TOKEN;
if (!BASE || !TOKEN) throw new Error("CLAWGATE_BASE_URL / CLAWGATE_TOKEN unset: run through tests/py/test_sdks.py");

export const client = (opts = {}) => new Clawgate({ baseUrl: BASE, token: TOKEN, ...opts });
export const limited = (opts = {}) => new Clawgate({ baseUrl: LIMITED, token: TOKEN, ...opts });
export const unique = (p) => p + Math.random().toString(36).slice(2, 10);
