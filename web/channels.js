// @ts-check
/** The channels view: every configured account's status, switched on and off at run time. */
import { h, showError, time } from "./dom.js";

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountChannels(el, { gw }) {
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const list = h("div", { class: "cards" });
  el.replaceChildren(h("section", { "aria-labelledby": "channels-title" },
    h("h2", { id: "channels-title", text: "Channels" }), err, list));

  async function load() {
    const res = await gw.http("GET", "v1/channels");
    const channels = res.channels ?? [];
    list.replaceChildren(...(channels.length ? channels.map((/** @type {any} */ c) => {
      const toggle = h("button", { type: "button", class: c.enabled ? "danger" : "",
        text: c.enabled ? "Disable" : "Enable", "aria-label": `${c.enabled ? "Disable" : "Enable"} ${c.key}` });
      toggle.addEventListener("click", async () => {
        showError(err, null);
        try { await gw.http("POST", `v1/channels/${encodeURIComponent(c.key)}/${c.enabled ? "disable" : "enable"}`); await load(); } catch (e) { showError(err, e); }
      });
      return h("article", { class: "card channel", "data-channel": c.key },
        h("h3", { text: `${c.name ?? c.id} · ${c.account}` }),
        h("dl", {},
          h("dt", { text: "Status" }), h("dd", { class: "channel-status", text: c.status }),
          h("dt", { text: "Enabled" }), h("dd", { class: "channel-enabled", text: c.enabled ? "yes" : "no" }),
          h("dt", { text: "Bot" }), h("dd", { text: c.botUsername ?? "—" }),
          h("dt", { text: "Last inbound" }), h("dd", { text: time(c.lastInboundAt) }),
          h("dt", { text: "Error" }), h("dd", { text: c.error ?? "—" })),
        toggle);
    }) : [h("p", { text: "No channels are configured (channels.* in the config)." })]));
  }
  load().catch((e) => showError(err, e));
}
