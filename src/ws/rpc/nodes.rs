//! `node.invoke {nodeId, command, params?, timeoutMs?, idempotencyKey}`: run a command on a
//! connected node (seed 004: "调用 node 工具").
//!
//! clawgate has no node transport yet (`node.invoke.request` is never sent, `node.invoke.result`
//! is not accepted), so the honest answer is the one OpenClaw gives when the node is not there:
//! `UNAVAILABLE "no node connected"` (with `details {code:"NODE_NOT_CONNECTED", nodeId}`).

use super::Call;
use crate::ws::frames::ErrorShape;
use serde_json::json;

/// The answer while no node can be reached.
pub const NO_NODE_CONNECTED: &str = "no node connected";

/// `node.invoke`.
pub async fn invoke(call: Call) {
    let node_id = call.str_param("nodeId").map(str::to_string);
    call.reply.err(
        ErrorShape::unavailable(NO_NODE_CONNECTED)
            .with_details(json!({"code": "NODE_NOT_CONNECTED", "nodeId": node_id})),
    )
}
