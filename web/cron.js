// @ts-check
/** The cron view: jobs (list, add, edit, enable/disable, run now, remove) and run history. */
import { h, field, showError, time } from "./dom.js";

/** @param {any} s */
function scheduleText(s) {
  if (!s) return "";
  if (s.kind === "cron") return `cron ${s.expr}${s.tz ? ` (${s.tz})` : ""}`;
  if (s.kind === "every") return `every ${Math.round(s.everyMs / 1000)} s`;
  if (s.kind === "at") return `at ${s.at}`;
  return JSON.stringify(s);
}

/** @param {HTMLElement} el @param {import("./main.js").Ctx} ctx */
export function mountCron(el, { gw }) {
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const body = h("tbody");
  const runs = h("tbody");
  const name = /** @type {HTMLInputElement} */ (h("input", { name: "name", required: true }));
  const expr = /** @type {HTMLInputElement} */ (h("input", { name: "expr", required: true, placeholder: "0 7 * * *" }));
  const message = /** @type {HTMLTextAreaElement} */ (h("textarea", { name: "message", rows: "2", required: true }));
  const submit = h("button", { type: "submit", text: "Add job" });
  const cancel = h("button", { type: "button", class: "ghost", text: "Cancel edit", hidden: true });
  /** @type {string|null} */
  let editing = null;
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "card cron-form", "aria-label": "Cron job" },
    field("Name", name), field("Cron expression", expr, "5 or 6 fields, host time zone"),
    field("Message for the agent", message), h("div", { class: "actions" }, cancel, submit)));
  el.replaceChildren(h("section", { "aria-labelledby": "cron-title" },
    h("h2", { id: "cron-title", text: "Cron jobs" }), err,
    h("div", { class: "table-wrap" }, h("table", { class: "cron-jobs stack" },
      h("thead", {}, h("tr", {}, ...["Name", "Schedule", "Next run", "Last", "Enabled", ""].map((t) => h("th", { scope: "col", text: t })))), body)),
    form,
    h("h3", { text: "Run history" }),
    h("div", { class: "table-wrap" }, h("table", { class: "stack cron-runs" },
      h("thead", {}, h("tr", {}, ...["When", "Job", "Status", "Duration", "Summary"].map((t) => h("th", { scope: "col", text: t })))), runs))));

  /** @param {() => Promise<any>} fn */
  const act = async (fn) => { showError(err, null); try { await fn(); await load(); } catch (e) { showError(err, e); } };

  const reset = () => { editing = null; form.reset(); submit.textContent = "Add job"; cancel.hidden = true; };
  cancel.addEventListener("click", reset);

  /** @param {any} j */
  function row(j) {
    const edit = () => {
      editing = j.id; name.value = j.name ?? ""; expr.value = j.schedule?.expr ?? "";
      message.value = j.payload?.message ?? j.payload?.text ?? ""; submit.textContent = "Save job"; cancel.hidden = false; name.focus();
    };
    return h("tr", { "data-job": j.id },
      h("th", { scope: "row", "data-label": "Name", text: j.name ?? j.id }),
      h("td", { "data-label": "Schedule", text: scheduleText(j.schedule) }),
      h("td", { "data-label": "Next run", text: time(j.state?.nextRunAtMs) }),
      h("td", { "data-label": "Last", text: j.state?.lastStatus ?? j.state?.lastRunStatus ?? "—" }),
      h("td", { "data-label": "Enabled", text: j.enabled === false ? "no" : "yes" }),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "small", text: "Run now", onclick: () => act(() => gw.send("cron.run", { id: j.id, mode: "force" })) }),
        h("button", { type: "button", class: "small ghost", text: "Edit", onclick: edit }),
        h("button", { type: "button", class: "small ghost", text: j.enabled === false ? "Enable" : "Disable",
          onclick: () => act(() => gw.send("cron.update", { id: j.id, patch: { enabled: j.enabled === false } })) }),
        h("button", { type: "button", class: "small danger", text: "Remove", onclick: () => confirm(`Remove ${j.name}?`) && act(() => gw.send("cron.remove", { id: j.id })) })));
  }

  async function load() {
    const [list, log] = await Promise.all([
      gw.send("cron.list", { includeDisabled: true, limit: 200 }),
      gw.send("cron.runs", { scope: "all", limit: 50, sortDir: "desc" })]);
    const jobs = list.jobs ?? [];
    body.replaceChildren(...(jobs.length ? jobs.map(row) : [h("tr", {}, h("td", { colspan: "6", text: "No jobs yet." }))]));
    runs.replaceChildren(...(log.entries ?? []).map((/** @type {any} */ r) => h("tr", {},
      h("td", { "data-label": "When", text: time(r.runAtMs ?? r.ts) }), h("td", { "data-label": "Job", text: r.jobName ?? r.jobId }),
      h("td", { "data-label": "Status", class: "run-status", text: r.status }),
      h("td", { "data-label": "Duration", text: r.durationMs != null ? `${r.durationMs} ms` : "—" }),
      h("td", { "data-label": "Summary", text: r.error ?? r.summary ?? "" }))));
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const schedule = { kind: "cron", expr: expr.value.trim() };
    const payload = { kind: "agentTurn", message: message.value };
    act(async () => {
      if (editing) await gw.send("cron.update", { id: editing, patch: { name: name.value.trim(), schedule, payload } });
      else await gw.send("cron.add", { name: name.value.trim(), enabled: true, schedule, sessionTarget: "isolated", wakeMode: "now", payload, delivery: { mode: "none" } });
      reset();
    });
  });
  const off = gw.on("cron", () => { load().catch((e) => showError(err, e)); });
  load().catch((e) => showError(err, e));
  return off;
}
