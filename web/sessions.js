// @ts-check
/** The sessions view: list, search, open in chat, reset, delete, patch model/thinking. */
import { h, field, showError, time } from "./dom.js";

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountSessions(el, { gw, openSession }) {
  const search = /** @type {HTMLInputElement} */ (h("input", { type: "search", name: "q", placeholder: "key, label or agent" }));
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const body = h("tbody");
  /** @type {any[]} */
  let rows = [];
  /** @type {string[]} */
  let models = [];
  el.replaceChildren(h("section", { "aria-labelledby": "sessions-title" },
    h("h2", { id: "sessions-title", text: "Sessions" }),
    h("div", { class: "toolbar" }, field("Search", search)), err,
    h("div", { class: "table-wrap" }, h("table", { class: "stack" },
      h("thead", {}, h("tr", {}, ...["Session", "Agent", "Messages", "Tokens", "Updated", "Model", "Thinking", ""].map((t) => h("th", { scope: "col", text: t })))),
      body))));

  /** @param {() => Promise<any>} fn */
  const act = async (fn) => { showError(err, null); try { await fn(); await load(); } catch (e) { showError(err, e); } };

  /** @param {any} s */
  function row(s) {
    const model = /** @type {HTMLSelectElement} */ (h("select", { "aria-label": `Model of ${s.key}` },
      h("option", { value: "", text: "(agent default)" }),
      ...models.map((m) => h("option", { value: m, text: m, selected: `${s.modelProvider}/${s.model}` === m && s.modelOverride !== undefined }))));
    model.addEventListener("change", () => act(() => gw.send("sessions.patch", { key: s.key, model: model.value || null })));
    const levels = s.thinkingLevels ?? ["off", "low", "medium", "high"];
    const think = /** @type {HTMLSelectElement} */ (h("select", { "aria-label": `Thinking of ${s.key}` },
      h("option", { value: "", text: "(default)" }),
      ...levels.map((/** @type {any} */ l) => { const v = typeof l === "string" ? l : l.id ?? l.value; return h("option", { value: v, text: v, selected: s.thinkingLevel === v }); })));
    think.addEventListener("change", () => act(() => gw.send("sessions.patch", { key: s.key, thinkingLevel: think.value || null })));
    return h("tr", {},
      h("th", { scope: "row", "data-label": "Session" }, h("a", { href: `#chat/${encodeURIComponent(s.key)}`, text: s.label ? `${s.label} — ${s.key}` : s.key, onclick: (/** @type {Event} */ e) => { e.preventDefault(); openSession(s.key); } })),
      h("td", { "data-label": "Agent", text: s.agentId ?? "" }),
      h("td", { "data-label": "Messages", text: String(s.messageCount ?? "") }),
      h("td", { "data-label": "Tokens", text: String(s.totalTokens ?? s.tokens?.total ?? "") }),
      h("td", { "data-label": "Updated", text: time(s.updatedAt) }),
      h("td", { "data-label": "Model" }, model), h("td", { "data-label": "Thinking" }, think),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "small", text: "Reset", onclick: () => confirm(`Reset ${s.key}?`) && act(() => gw.send("sessions.reset", { key: s.key })) }),
        h("button", { type: "button", class: "small danger", text: "Delete", onclick: () => confirm(`Delete ${s.key}?`) && act(() => gw.send("sessions.delete", { key: s.key })) })));
  }

  function draw() {
    const q = search.value.trim().toLowerCase();
    const shown = rows.filter((s) => !q || [s.key, s.label, s.agentId].some((v) => String(v ?? "").toLowerCase().includes(q)));
    body.replaceChildren(...(shown.length ? shown.map(row) : [h("tr", {}, h("td", { colspan: "8", text: "No sessions." }))]));
  }

  async function load() {
    const [list, ms] = await Promise.all([gw.send("sessions.list", { limit: 500 }), gw.send("models.list", {}).catch(() => ({ models: [] }))]);
    models = (ms.models ?? []).map((/** @type {any} */ m) => `${m.provider}/${m.id}`);
    rows = list.sessions ?? [];
    draw();
  }
  search.addEventListener("input", draw);
  load().catch((e) => showError(err, e));
}
