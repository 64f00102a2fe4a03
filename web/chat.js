// @ts-check
/** The chat view: agent and session pickers, history with paging, streaming, tools, abort. */
import { h, field, showError } from "./dom.js";
import { bubble, historyMessage, thinking, toolCall } from "./chat_render.js";

const PAGE = 50;

function randomId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * @param {HTMLElement} el
 * @param {import("./main.js").Ctx} ctx
 * @param {string} [openKey] a session key to open
 */
export function mountChat(el, { gw }, openKey) {
  let agentId = "";
  let sessionKey = openKey ?? "";
  let limit = PAGE;
  /** @type {string|null} */
  let runId = null;
  /** @type {Map<string, {b: ReturnType<typeof bubble>, th: ReturnType<typeof thinking>, tools: Map<string, ReturnType<typeof toolCall>>}>} */
  const runs = new Map();

  const agentSel = /** @type {HTMLSelectElement} */ (h("select", { name: "agent" }));
  const sessionSel = /** @type {HTMLSelectElement} */ (h("select", { name: "session" }));
  const newBtn = h("button", { type: "button", class: "ghost", text: "New session" });
  const more = h("button", { type: "button", class: "ghost small more", text: "Load earlier messages", hidden: true });
  const list = h("div", { class: "messages", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const input = /** @type {HTMLTextAreaElement} */ (h("textarea", { name: "message", rows: "2", placeholder: "Message (Enter to send, Shift+Enter for a new line)" }));
  const send = h("button", { type: "submit", text: "Send" });
  const picker = /** @type {HTMLInputElement} */ (h("input", { type: "file", accept: "image/*", multiple: true, class: "visually-hidden", id: "attach-file", tabindex: "-1" }));
  const attachLabel = h("label", { for: "attach-file", class: "button ghost", tabindex: "0", text: "Attach image" });
  const previews = h("div", { class: "previews", "aria-label": "Attached images" });
  /** @type {{mimeType: string, fileName: string, content: string, url: string}[]} */
  let pending = [];
  const abort = h("button", { type: "button", class: "danger", text: "Abort", disabled: true });
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "composer" }, previews, field("Message", input),
    h("div", { class: "actions" }, picker, attachLabel, abort, send));

  el.replaceChildren(h("section", { class: "chat", "aria-label": "Chat" },
    h("div", { class: "toolbar" }, field("Agent", agentSel), field("Session", sessionSel), newBtn),
    h("div", { class: "scroll" }, more, list), err, form));

  const setRunning = (/** @type {string|null} */ id) => {
    runId = id;
    abort.toggleAttribute("disabled", !id);
    el.querySelector(".chat")?.toggleAttribute("data-running", !!id);
  };
  const scroll = () => { const s = el.querySelector(".scroll"); if (s) s.scrollTop = s.scrollHeight; };

  /** @param {string} id */
  const runView = (id) => {
    let r = runs.get(id);
    if (!r) {
      const b = bubble("assistant", Date.now());
      const th = thinking();
      b.extras.appendChild(th.el);
      list.appendChild(b.el);
      r = { b, th, tools: new Map() };
      runs.set(id, r);
    }
    return r;
  };

  async function loadSessions() {
    const res = await gw.send("sessions.list", { limit: 200 });
    const rows = (res.sessions ?? []).filter((/** @type {any} */ s) => !agentId || s.agentId === agentId);
    if (sessionKey && !rows.some((/** @type {any} */ s) => s.key === sessionKey)) rows.unshift({ key: sessionKey, label: "(new)" });
    if (!sessionKey) sessionKey = rows[0]?.key ?? `agent:${agentId}:main`;
    if (!rows.length) rows.push({ key: sessionKey });
    sessionSel.replaceChildren(...rows.map((/** @type {any} */ s) =>
      h("option", { value: s.key, text: s.label ? `${s.label} (${s.key})` : s.key, selected: s.key === sessionKey })));
  }

  async function loadHistory() {
    runs.clear();
    list.replaceChildren();
    const res = await gw.send("chat.history", { sessionKey, limit });
    for (const m of res.messages ?? []) historyMessage(list, m);
    more.hidden = !res.hasMore || limit >= 1000;
    const active = res.sessionInfo?.activeRunIds ?? [];
    setRunning(active[0] ?? null);
  }

  async function init() {
    const health = await gw.send("health", {});
    const agents = health.agents ?? [];
    if (openKey) agentId = openKey.split(":")[1] ?? "";
    agentId ||= health.defaultAgentId ?? agents[0]?.agentId ?? "main";
    agentSel.replaceChildren(...agents.map((/** @type {any} */ a) =>
      h("option", { value: a.agentId, text: a.agentId + (a.isDefault ? " (default)" : ""), selected: a.agentId === agentId })));
    await loadSessions();
    await loadHistory();
    scroll();
  }

  agentSel.addEventListener("change", async () => {
    agentId = agentSel.value; sessionKey = ""; limit = PAGE;
    await loadSessions(); await loadHistory();
  });
  sessionSel.addEventListener("change", async () => { sessionKey = sessionSel.value; limit = PAGE; await loadHistory(); scroll(); });
  newBtn.addEventListener("click", async () => {
    sessionKey = `agent:${agentId}:web-${randomId().slice(0, 8)}`;
    limit = PAGE;
    await loadSessions(); await loadHistory();
    input.focus();
  });
  more.addEventListener("click", async () => { limit = Math.min(1000, limit + PAGE); await loadHistory(); });

  const drawPreviews = () => previews.replaceChildren(...pending.map((a, i) =>
    h("figure", {}, h("img", { src: a.url, alt: a.fileName }),
      h("button", { type: "button", class: "small ghost", "aria-label": `Remove ${a.fileName}`, text: "×",
        onclick: () => { URL.revokeObjectURL(a.url); pending.splice(i, 1); drawPreviews(); } }))));
  /** @param {File[]} files */
  async function attach(files) {
    const max = gw.hello?.policy?.attachments?.maxImageBytes ?? 6 * 1024 * 1024;
    for (const f of files) {
      if (!f.type.startsWith("image/")) continue;
      if (f.size > max) { showError(err, `${f.name} is larger than ${Math.round(max / 1048576)} MiB`); continue; }
      const dataUrl = await new Promise((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result));
        r.onerror = () => reject(r.error);
        r.readAsDataURL(f);
      });
      pending.push({ mimeType: f.type, fileName: f.name || "pasted image", content: dataUrl.slice(dataUrl.indexOf(",") + 1), url: URL.createObjectURL(f) });
    }
    drawPreviews();
  }
  picker.addEventListener("change", () => { attach([...(picker.files ?? [])]); picker.value = ""; });
  attachLabel.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); picker.click(); } });
  input.addEventListener("paste", (ev) => {
    const files = [...(ev.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
    if (files.length) { ev.preventDefault(); attach(files); }
  });

  async function submit() {
    const message = input.value;
    if (!message.trim() && !pending.length) return;
    showError(err, null);
    input.value = "";
    const sent = pending;
    pending = [];
    drawPreviews();
    const u = bubble("user", Date.now());
    u.setText(message);
    for (const a of sent) u.extras.appendChild(h("img", { class: "attachment", src: a.url, alt: a.fileName }));
    list.appendChild(u.el);
    scroll();
    try {
      const attachments = sent.map(({ mimeType, fileName, content }) => ({ type: "image", mimeType, fileName, content }));
      const ack = await gw.send("chat.send", { sessionKey, message, idempotencyKey: randomId(), ...(attachments.length ? { attachments } : {}) });
      if (ack.runId && ack.status !== "ok") { setRunning(ack.runId); runView(ack.runId); }
    } catch (e) {
      showError(err, e);
      input.value = message;
      pending = sent;
      drawPreviews();
    }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(); });
  input.addEventListener("keydown", (ev) => {
    // Never send while an IME is composing (CJK input): Enter confirms the composition.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    }
  });
  abort.addEventListener("click", async () => {
    try { await gw.send("chat.abort", runId ? { sessionKey, runId } : { sessionKey }); } catch (e) { showError(err, e); }
  });

  const offChat = gw.on("chat", (p) => {
    if (p.sessionKey !== sessionKey) return;
    const r = runView(p.runId);
    const text = (p.message?.content ?? []).map((/** @type {any} */ c) => c.text ?? "").join("");
    if (p.state === "delta") {
      setRunning(p.runId);
      r.b.status.textContent = "streaming…";
      r.b.setText(text);
    } else {
      if (p.state === "final") r.b.setText(text || r.b.el.dataset.raw || "");
      r.b.status.textContent = p.state === "final" ? "" : p.state === "aborted" ? "aborted" : `error: ${p.errorMessage ?? ""}`;
      r.b.el.dataset.state = p.state;
      if (runId === p.runId) setRunning(null);
    }
    scroll();
  });
  const offAgent = gw.on("agent", (p) => {
    if (p.sessionKey !== sessionKey) return;
    if (p.stream === "thinking") runView(p.runId).th.add(p.data?.delta ?? "");
    else if (p.stream === "tool") {
      const r = runView(p.runId);
      const id = p.data?.toolCallId ?? p.data?.name;
      if (p.data?.phase === "start") {
        const t = toolCall(p.data.name, p.data.args);
        r.tools.set(id, t);
        r.b.extras.appendChild(t.el);
      } else if (p.data?.phase === "result") {
        const t = r.tools.get(id);
        if (t) t.summary.textContent = `Tool call: ${p.data.name} — ${p.data.isError ? "failed" : "done"}`;
      }
    } else if (p.stream === "lifecycle" && p.data?.phase === "start") {
      setRunning(p.runId);
    }
  });
  const offReconnect = gw.on("reconnected", () => { loadHistory().catch((e) => showError(err, e)); });

  init().catch((e) => showError(err, e));
  return () => { offChat(); offAgent(); offReconnect(); };
}
