// @ts-check
/** Rendering of chat messages: bubbles, collapsed tool calls and results, thinking, copy buttons. */
import { h, copyButton, time } from "./dom.js";
import { render } from "./markdown.js";

/**
 * A message bubble with its role, body and a copy button.
 * @param {"user"|"assistant"|"system"} role
 * @param {number} [ts]
 */
export function bubble(role, ts) {
  const text = h("div", { class: "text" });
  const extras = h("div", { class: "extras" });
  const status = h("span", { class: "run-status" });
  const el = h("article", { class: `msg ${role}`, "aria-label": `${role} message` },
    h("header", {},
      h("span", { class: "role", text: role }),
      h("time", { text: ts ? time(ts) : "" }),
      status,
      copyButton(() => el.dataset.raw ?? "", "Copy")),
    extras, text);
  return {
    el, extras, status,
    /** Replaces the text (Markdown, rendered safely). @param {string} t */
    setText(t) { el.dataset.raw = t; text.replaceChildren(render(t)); },
  };
}

/**
 * A collapsed tool call.
 * @param {string} name
 * @param {unknown} args
 */
export function toolCall(name, args) {
  const summary = h("summary", { text: `Tool call: ${name}` });
  const body = h("pre", { class: "tool-args", text: typeof args === "string" ? args : JSON.stringify(args, null, 2) });
  return { el: h("details", { class: "tool" }, summary, body), summary };
}

/**
 * A collapsed tool result.
 * @param {string} text
 */
export function toolResult(text) {
  return h("details", { class: "tool result" }, h("summary", { text: "Tool result" }), h("pre", { text }));
}

/** A collapsed thinking block. */
export function thinking() {
  const pre = h("pre", { class: "thinking-text" });
  const el = h("details", { class: "thinking", hidden: true }, h("summary", { text: "Thinking" }), pre);
  return {
    el,
    /** @param {string} d */
    add(d) { el.hidden = false; pre.textContent += d; },
  };
}

/**
 * Renders one `chat.history` message into `list`.
 * @param {HTMLElement} list
 * @param {any} m
 */
export function historyMessage(list, m) {
  if (m.role === "user" || m.role === "system") {
    const b = bubble(m.role, m.timestamp);
    b.setText(typeof m.content === "string" ? m.content : (m.content ?? []).map((/** @type {any} */ c) => c.text ?? "").join(""));
    list.appendChild(b.el);
  } else if (m.role === "assistant") {
    const b = bubble("assistant", m.timestamp);
    let text = "";
    for (const c of m.content ?? []) {
      if (c.type === "text") text += c.text;
      else if (c.type === "toolCall") b.extras.appendChild(toolCall(c.name, c.arguments).el);
      else if (c.type === "thinking") { const t = thinking(); t.add(c.thinking ?? c.text ?? ""); b.extras.appendChild(t.el); }
    }
    b.setText(text);
    list.appendChild(b.el);
  } else if (m.role === "toolResult") {
    const last = list.lastElementChild;
    const text = (m.content ?? []).map((/** @type {any} */ c) => c.text ?? "").join("");
    const target = last?.classList.contains("assistant") ? last.querySelector(".extras") : list;
    target?.appendChild(toolResult(text));
  }
}
