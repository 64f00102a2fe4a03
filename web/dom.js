// @ts-check
/** DOM helpers: every element is built with createElement and textContent, never innerHTML. */

/**
 * Creates an element.
 * @param {string} tag
 * @param {Record<string, any>} [attrs] `class`, `text`, `on<event>` handlers, booleans, other attributes
 * @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value") /** @type {HTMLInputElement} */ (el).value = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

/**
 * Appends children (strings become text nodes).
 * @param {Node} el
 * @param {...(Node|string|null|undefined|false)} children
 */
export function append(el, ...children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** Removes every child of `el`. @param {Node} el */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/**
 * A labelled form field.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  if (!control.id) control.id = "f-" + Math.random().toString(36).slice(2, 9);
  return h("div", { class: "field" },
    h("label", { for: control.id, text: label }),
    control,
    hint ? h("small", { class: "hint", text: hint }) : null);
}

/**
 * A copy-to-clipboard button for `text()`.
 * @param {() => string} text
 * @param {string} [label]
 */
export function copyButton(text, label = "Copy") {
  const b = h("button", { type: "button", class: "small ghost", "aria-label": label, text: label });
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = "Copied";
    } catch {
      b.textContent = "Copy failed";
    }
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}

/** Formats milliseconds since the epoch. @param {number|undefined|null} ms */
export function time(ms) {
  return ms ? new Date(ms).toLocaleString() : "—";
}

/** Shows an error line in `el` (or clears it). @param {HTMLElement} el @param {unknown} err */
export function showError(el, err) {
  el.textContent = err ? (err instanceof Error ? err.message : String(err)) : "";
  el.hidden = !err;
}
