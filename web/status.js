// @ts-check
/** The status view: uptime, runs, sessions, token usage, providers and models. */
import { h, showError } from "./dom.js";

/** @param {number} ms */
function duration(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h ${Math.floor(s / 60) % 60}m ${s % 60}s`;
}

/** @param {Record<string, any>} obj */
function dl(obj) {
  return h("dl", {}, ...Object.entries(obj).flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: String(v ?? "—") })]));
}

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountStatus(el, { gw }) {
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const box = h("div", { class: "cards" });
  const refresh = h("button", { type: "button", class: "ghost", text: "Refresh" });
  el.replaceChildren(h("section", { "aria-labelledby": "status-title" },
    h("h2", { id: "status-title", text: "Status and usage" }), refresh, err, box));

  async function load() {
    showError(err, null);
    const [st, sessions, models] = await Promise.all([
      gw.send("status", {}), gw.send("sessions.list", { limit: 1000 }), gw.send("models.list", {}).catch(() => ({ models: [] }))]);
    let input = 0, output = 0, total = 0;
    for (const s of sessions.sessions ?? []) {
      input += s.inputTokens ?? 0; output += s.outputTokens ?? 0; total += s.totalTokens ?? 0;
    }
    box.replaceChildren(
      h("article", { class: "card" }, h("h3", { text: "Gateway" }), dl({
        Version: st.runtimeVersion, Uptime: st.uptimeMs != null ? duration(st.uptimeMs) : "—", PID: st.pid,
        "Memory (RSS)": st.processMemory?.rssBytes ? `${(st.processMemory.rssBytes / 1048576).toFixed(1)} MiB` : "—",
        "Active runs": st.runs?.active ?? "—", Sessions: st.sessions?.count ?? "—", "Live sessions": st.sessions?.live ?? "—",
        "Queued system events": Array.isArray(st.queuedSystemEvents) ? st.queuedSystemEvents.length : st.queuedSystemEvents,
      })),
      h("article", { class: "card" }, h("h3", { text: "Tokens (stored sessions)" }), dl({ Input: input, Output: output, Total: total })),
      h("article", { class: "card" }, h("h3", { text: "Models" }),
        h("ul", {}, ...(models.models ?? []).map((/** @type {any} */ m) => h("li", { text: `${m.provider}/${m.id}${m.available === false ? " (unavailable)" : ""}` })))),
      h("details", { class: "card raw" }, h("summary", { text: "Raw status" }), h("pre", { text: JSON.stringify(st, null, 2) })));
  }
  refresh.addEventListener("click", () => load().catch((e) => showError(err, e)));
  load().catch((e) => showError(err, e));
}
