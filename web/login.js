// @ts-check
/** The login view: the token or password is pasted once and kept in sessionStorage only. */
import { h, field, showError } from "./dom.js";

const KEY = "clawgate.credential";

/** @returns {import("./gateway.js").Credential|null} */
export function savedCredential() {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    return v && (v.token || v.password) ? v : null;
  } catch {
    return null;
  }
}

/** @param {import("./gateway.js").Credential|null} c */
export function saveCredential(c) {
  if (c) sessionStorage.setItem(KEY, JSON.stringify(c));
  else sessionStorage.removeItem(KEY);
}

/**
 * Renders the login form into `root`.
 * @param {HTMLElement} root
 * @param {(c: import("./gateway.js").Credential) => Promise<void>} login
 * @param {string} [error] a message from the last attempt
 */
export function mountLogin(root, login, error) {
  const secret = /** @type {HTMLInputElement} */ (h("input", { type: "password", name: "secret", autocomplete: "current-password", required: true }));
  const kind = /** @type {HTMLSelectElement} */ (h("select", { name: "kind" },
    h("option", { value: "token", text: "Token" }), h("option", { value: "password", text: "Password" })));
  const err = h("p", { class: "error", role: "alert", id: "login-error" });
  showError(err, error);
  const button = h("button", { type: "submit", text: "Connect" });
  const form = h("form", { class: "card login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title", text: "clawgate" }),
    h("p", { text: "Paste the gateway token (gateway.auth.token) or password. It stays in this tab's session storage." }),
    field("Credential type", kind),
    field("Gateway token or password", secret),
    err, button);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError(err, null);
    button.setAttribute("disabled", "");
    const value = secret.value.trim();
    try {
      await login(kind.value === "password" ? { password: value } : { token: value });
    } catch (e) {
      showError(err, e);
      secret.focus();
    } finally {
      button.removeAttribute("disabled");
    }
  });
  root.replaceChildren(h("main", { class: "center" }, form));
  secret.focus();
}
