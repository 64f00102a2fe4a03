// @ts-check
/**
 * The config view: the running file as the gateway shows it (secrets redacted), edited as a
 * JSON merge patch of one key at a time; a refused change shows its message next to the key.
 */
import { h, field, showError } from "./dom.js";

const REDACTED = "__OPENCLAW_REDACTED__";

/**
 * Flattens a config object into [dotted key, value] leaves.
 * @param {any} obj
 * @param {string} [prefix]
 * @returns {[string, any][]}
 */
function leaves(obj, prefix = "") {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return [[prefix, obj]];
  const out = /** @type {[string, any][]} */ ([]);
  for (const [k, v] of Object.entries(obj)) out.push(...leaves(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

/** @param {string} path @param {any} value */
function patchFor(path, value) {
  /** @type {any} */
  const root = {};
  let at = root;
  const parts = path.split(".");
  parts.slice(0, -1).forEach((p) => { at = at[p] = {}; });
  at[parts[parts.length - 1]] = value;
  return root;
}

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountConfig(el, { gw }) {
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const info = h("p", { class: "hint", role: "status" });
  const list = h("div", { class: "config-keys" });
  const addKey = /** @type {HTMLInputElement} */ (h("input", { name: "newKey", placeholder: "gateway.ws.tickIntervalMs" }));
  const addVal = /** @type {HTMLInputElement} */ (h("input", { name: "newValue", placeholder: "JSON value, e.g. 15000" }));
  const addErr = h("p", { class: "error", role: "alert", hidden: true });
  const addForm = h("form", { class: "card" }, h("h3", { text: "Set a key" }), field("Key (dotted path)", addKey), field("Value (JSON)", addVal), addErr,
    h("button", { type: "submit", text: "Apply" }));
  el.replaceChildren(h("section", { "aria-labelledby": "config-title" },
    h("h2", { id: "config-title", text: "Configuration" }), info, err, list, addForm));
  let hash = "";

  /**
   * Applies `value` at `path`; the error message goes to `errEl`.
   * @param {string} path @param {string} raw @param {HTMLElement} errEl
   */
  async function apply(path, raw, errEl) {
    showError(errEl, null);
    let value;
    try { value = raw.trim() === "" ? null : JSON.parse(raw); } catch { value = raw; }
    try {
      const res = await gw.send("config.patch", { patch: patchFor(path, value), baseHash: hash });
      info.textContent = `Saved ${path}.${res.restartRequired?.length ? ` Restart needed for: ${res.restartRequired.join(", ")}` : ""}`;
      await load();
    } catch (e) {
      // The gateway names the offending key ("…: <key>: <reason>"): show it there when listed.
      const named = /([A-Za-z0-9_]+(?:\.[A-Za-z0-9_\-]+)+):/.exec(e instanceof Error ? e.message : "")?.[1];
      const at = named && [...list.querySelectorAll(".key-error")].find((n) => n instanceof HTMLElement && n.dataset.key === named);
      showError(at instanceof HTMLElement ? at : errEl, e);
    }
  }

  async function load() {
    const res = await gw.send("config.get", {});
    hash = res.hash ?? "";
    const cfg = res.config ?? res.parsed ?? res.resolved ?? {};
    if (res.valid === false) showError(err, `The file on disk is invalid: ${(res.issues ?? []).map((/** @type {any} */ i) => `${i.path}: ${i.message}`).join("; ")}`);
    list.replaceChildren(...leaves(cfg).filter(([k]) => k).map(([k, v]) => {
      const input = /** @type {HTMLInputElement} */ (h("input", { name: k, value: typeof v === "string" ? v : JSON.stringify(v) }));
      const keyErr = h("p", { class: "error key-error", role: "alert", hidden: true, "data-key": k });
      const secret = v === REDACTED;
      if (secret) input.setAttribute("readonly", "");
      const form = h("form", { class: "config-key", "data-key": k },
        field(k, input, secret ? "secret (redacted by the gateway)" : undefined),
        secret ? null : h("button", { type: "submit", class: "small", text: "Save" }), keyErr);
      form.addEventListener("submit", (ev) => { ev.preventDefault(); apply(k, input.value, keyErr); });
      return form;
    }));
  }
  addForm.addEventListener("submit", (ev) => { ev.preventDefault(); apply(addKey.value.trim(), addVal.value, addErr); });
  load().catch((e) => showError(err, e));
}
