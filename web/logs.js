// @ts-check
/** The live logs view: `logs.tail` polled with its cursor, newest at the bottom. */
import { h, field, showError } from "./dom.js";

/** @param {string} line */
function format(line) {
  try {
    const r = JSON.parse(line);
    const meta = r._meta ?? {};
    let sub = "";
    try { sub = JSON.parse(r["0"]).subsystem ?? ""; } catch { /* plain */ }
    return { level: String(meta.logLevelName ?? "").toLowerCase(), text: `${r.time ?? meta.date ?? ""} ${meta.logLevelName ?? ""} ${sub ? `[${sub}] ` : ""}${r.message ?? r["1"] ?? ""}` };
  } catch {
    return { level: "", text: line };
  }
}

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountLogs(el, { gw }) {
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const filter = /** @type {HTMLInputElement} */ (h("input", { type: "search", name: "filter" }));
  const follow = /** @type {HTMLInputElement} */ (h("input", { type: "checkbox", checked: true }));
  const out = h("pre", { class: "logs", role: "log", "aria-live": "off", tabindex: "0" });
  el.replaceChildren(h("section", { "aria-labelledby": "logs-title" },
    h("h2", { id: "logs-title", text: "Live logs" }),
    h("div", { class: "toolbar" }, field("Filter", filter), h("label", { class: "check" }, follow, " Follow")), err, out));
  /** @type {number|undefined} */
  let cursor;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  async function poll() {
    try {
      const res = await gw.send("logs.tail", cursor === undefined ? { limit: 300 } : { cursor, limit: 500 });
      if (res.reset) out.replaceChildren();
      cursor = res.cursor;
      const q = filter.value.toLowerCase();
      for (const line of res.lines ?? []) {
        const { level, text } = format(line);
        if (q && !text.toLowerCase().includes(q)) continue;
        out.appendChild(h("span", { class: `log ${level}`, text: text + "\n" }));
      }
      while (out.childNodes.length > 2000) out.firstChild?.remove();
      if (follow.checked) out.scrollTop = out.scrollHeight;
      showError(err, null);
    } catch (e) {
      showError(err, e);
    }
    if (!stopped) timer = setTimeout(poll, 1000);
  }
  poll();
  return () => { stopped = true; clearTimeout(timer); };
}
