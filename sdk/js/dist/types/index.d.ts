/**
 * JavaScript/TypeScript client for the clawgate gateway (OpenClaw-compatible), for Node >= 20
 * and browsers. `Clawgate` is the client; `OpenClaw` (seed 001) and `OpenClawClient` (seed 003)
 * are the same class under the seeds' names.
 */
import { Clawgate } from "./client.js";
export { Clawgate };
/** Seed 001's name for the client. */
export declare const OpenClaw: typeof Clawgate;
/** Seed 001's name for the client (as a type). */
export type OpenClaw = Clawgate;
/** Seed 003's name for the client. */
export declare const OpenClawClient: typeof Clawgate;
/** Seed 003's name for the client (as a type). */
export type OpenClawClient = Clawgate;
export default Clawgate;
export * from "./errors.js";
export * from "./types.js";
export { AgentResource, ChatResource, ConfigResource, MemoryResource, MessageResource, SessionsResource, SkillsResource } from "./client.js";
export { GatewaySocket, type SocketOptions } from "./ws.js";
export { VERSION, sseEvents, type SseEvent } from "./transport.js";
