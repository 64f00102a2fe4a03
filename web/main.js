// @ts-check
/** The app shell: login, navigation between views (hash routes), connection state. */
import { Gateway } from "./gateway.js";
import { h } from "./dom.js";
import { mountLogin, savedCredential, saveCredential } from "./login.js";
import { mountChat } from "./chat.js";
import { mountSessions } from "./sessions.js";
import { mountChannels } from "./channels.js";
import { mountCron } from "./cron.js";
import { mountStatus } from "./status.js";
import { mountLogs } from "./logs.js";
import { mountConfig } from "./config.js";

/** @typedef {{gw: Gateway, go: (route: string) => void, openSession: (key: string) => void}} Ctx */

/** @type {Record<string, [string, (el: HTMLElement, ctx: Ctx, arg?: string) => (void|(() => void))]>} */
const VIEWS = {
  chat: ["Chat", mountChat],
  sessions: ["Sessions", mountSessions],
  channels: ["Channels", mountChannels],
  cron: ["Cron", mountCron],
  status: ["Status", mountStatus],
  logs: ["Logs", mountLogs],
  config: ["Config", mountConfig],
};

const root = /** @type {HTMLElement} */ (document.getElementById("app"));
/** @type {Gateway|null} */
let gw = null;
/** @type {(() => void)|void} */
let cleanup;

/** @param {string} [error] */
function showLogin(error) {
  gw?.close();
  gw = null;
  mountLogin(root, async (cred) => {
    const g = new Gateway(cred);
    await g.connect();
    saveCredential(cred);
    start(g);
  }, error);
}

/** @param {Gateway} g */
function start(g) {
  gw = g;
  const state = h("span", { class: "conn", role: "status", text: "connected" });
  g.onState = (s, detail) => { state.textContent = detail ? `${s}: ${detail}` : s; state.dataset.state = s; };
  g.onAuthFailed = (msg) => { saveCredential(null); showLogin(msg); };
  const main = h("main", { id: "view", tabindex: "-1" });
  const links = Object.entries(VIEWS).map(([id, [label]]) =>
    h("a", { href: `#${id}`, "data-view": id, text: label }));
  const logout = h("button", { type: "button", class: "ghost small", text: "Log out", onclick: () => { saveCredential(null); showLogin(); } });
  root.replaceChildren(
    h("header", { class: "top" },
      h("strong", { class: "brand", text: "clawgate" }),
      h("nav", { "aria-label": "Views" }, ...links),
      state, logout),
    main);
  let first = true;
  const route = () => {
    const [id, ...rest] = location.hash.slice(1).split("/");
    const view = VIEWS[id] ? id : "chat";
    for (const a of links) a.toggleAttribute("aria-current", a.dataset.view === view);
    if (typeof cleanup === "function") cleanup();
    main.replaceChildren();
    /** @type {Ctx} */
    const ctx = { gw: g, go: (r) => { location.hash = r; }, openSession: (k) => { location.hash = `chat/${encodeURIComponent(k)}`; } };
    cleanup = VIEWS[view][1](main, ctx, rest.length ? decodeURIComponent(rest.join("/")) : undefined);
    document.title = `${VIEWS[view][0]} · clawgate`;
    // Keyboard and screen-reader users land on the new view, not on the old link.
    if (!first && view !== "chat") main.focus();
    first = false;
  };
  window.onhashchange = route;
  route();
}

const cred = savedCredential();
if (cred) {
  const g = new Gateway(cred);
  g.connect().then(() => start(g), (e) => {
    // Forget the credential only when the gateway refused it, not when it was unreachable.
    if (e.refused) saveCredential(null);
    showLogin(e.message);
  });
} else {
  showLogin();
}
