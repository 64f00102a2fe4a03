"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.sseEvents = exports.VERSION = exports.GatewaySocket = exports.SkillsResource = exports.SessionsResource = exports.MessageResource = exports.MemoryResource = exports.ConfigResource = exports.ChatResource = exports.AgentResource = exports.OpenClawClient = exports.OpenClaw = exports.Clawgate = void 0;
/**
 * JavaScript/TypeScript client for the clawgate gateway (OpenClaw-compatible), for Node >= 20
 * and browsers. `Clawgate` is the client; `OpenClaw` (seed 001) and `OpenClawClient` (seed 003)
 * are the same class under the seeds' names.
 */
const client_js_1 = require("./client.js");
Object.defineProperty(exports, "Clawgate", { enumerable: true, get: function () { return client_js_1.Clawgate; } });
/** Seed 001's name for the client. */
exports.OpenClaw = client_js_1.Clawgate;
/** Seed 003's name for the client. */
exports.OpenClawClient = client_js_1.Clawgate;
exports.default = client_js_1.Clawgate;
__exportStar(require("./errors.js"), exports);
__exportStar(require("./types.js"), exports);
var client_js_2 = require("./client.js");
Object.defineProperty(exports, "AgentResource", { enumerable: true, get: function () { return client_js_2.AgentResource; } });
Object.defineProperty(exports, "ChatResource", { enumerable: true, get: function () { return client_js_2.ChatResource; } });
Object.defineProperty(exports, "ConfigResource", { enumerable: true, get: function () { return client_js_2.ConfigResource; } });
Object.defineProperty(exports, "MemoryResource", { enumerable: true, get: function () { return client_js_2.MemoryResource; } });
Object.defineProperty(exports, "MessageResource", { enumerable: true, get: function () { return client_js_2.MessageResource; } });
Object.defineProperty(exports, "SessionsResource", { enumerable: true, get: function () { return client_js_2.SessionsResource; } });
Object.defineProperty(exports, "SkillsResource", { enumerable: true, get: function () { return client_js_2.SkillsResource; } });
var ws_js_1 = require("./ws.js");
Object.defineProperty(exports, "GatewaySocket", { enumerable: true, get: function () { return ws_js_1.GatewaySocket; } });
var transport_js_1 = require("./transport.js");
Object.defineProperty(exports, "VERSION", { enumerable: true, get: function () { return transport_js_1.VERSION; } });
Object.defineProperty(exports, "sseEvents", { enumerable: true, get: function () { return transport_js_1.sseEvents; } });
