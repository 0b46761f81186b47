// Tanggap console: blurred media revealed on click, keyboard flow (queue: j/k/Enter; case: a
// decision key, then Enter decides and opens the next case; ? lists the keys), live updates.
// Served from /static (the CSP allows scripts from 'self' only; no inline script anywhere).
// Words shown to the moderator come from the page (data-* attributes, translated by the server).
"use strict";

const typing = (target) => target.closest("input, textarea, select, [contenteditable]");

// --- Media stays blurred until the reviewer clicks it (and blurs again on a second click). ---
document.addEventListener("click", (event) => {
  const media = event.target.closest("button.media");
  if (!media) return;
  const revealed = media.classList.toggle("revealed");
  media.setAttribute("aria-pressed", revealed ? "true" : "false");
});

// --- ? lists the keys (a native <dialog>: Esc closes it, focus returns). ---
const keysHelp = document.getElementById("keys-help");
document.addEventListener("keydown", (event) => {
  if (event.key !== "?" || typing(event.target) || !keysHelp) return;
  event.preventDefault();
  if (!keysHelp.open) keysHelp.showModal();
});

// --- The queue: j/k move the selection, Enter opens (the selected case's link has the focus). ---
const rows = [...document.querySelectorAll("tr.queue-row")];
if (rows.length) {
  let selected = -1;
  const select = (index) => {
    if (selected >= 0) rows[selected].classList.remove("selected");
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows[selected].classList.add("selected");
    rows[selected].querySelector("a.target").focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (keysHelp && keysHelp.open) return;
    if (event.key === "j") { event.preventDefault(); select(selected + 1); }
    else if (event.key === "k") { event.preventDefault(); select(selected - 1); }
    else if (event.key === "Enter" && selected < 0) { event.preventDefault(); select(0); rows[0].querySelector("a.target").click(); }
  });
}

// --- The decision form: reasons follow the action, the scope only matters for a block. ---
const form = document.querySelector("form.decision");
if (form) {
  const action = form.querySelector("select[name=action]");
  const reason = form.querySelector("select[name=reason_code]");
  const note = form.querySelector("textarea[name=note]");
  const scope = form.querySelector("fieldset.scope");
  const submit = form.querySelector("button[type=submit]");
  const hint = document.getElementById("shortcut-hint");
  const words = form.dataset;

  const fits = (option) => !option.value || action.value === "escalate" || option.dataset.actions.split(" ").includes(action.value);
  const syncForm = () => {
    for (const option of reason.options) option.disabled = !fits(option);
    if (reason.selectedOptions[0] && reason.selectedOptions[0].disabled) reason.value = "";
    reason.disabled = action.value === "escalate";
    reason.required = action.value !== "escalate";
    note.required = action.value === "escalate";
    scope.disabled = action.value !== "block";
  };
  action.addEventListener("change", syncForm);
  syncForm();

  const setScope = (kind, countries) => {
    const choice = form.querySelector(`input[name=scope_kind][value=${kind}]`);
    if (choice) choice.checked = true;
    const field = form.querySelector("input[name=countries]"); // absent where the platform has no per-country block
    if (field) field.value = countries;
  };
  // The reason comes from the case (its category, or a detection label); never a guess.
  const suggested = words.suggestedReason || "";
  const violation = (kind, countries, act) => () => { action.value = act; if (kind) setScope(kind, countries); reason.value = suggested; };
  const shortcuts = {
    b: { label: words.labelB, fill: violation("global", "", "block") },
    i: { label: words.labelI, fill: violation("countries", "ID", "block") },
    n: { label: words.labelN, fill: () => { action.value = "no_action"; reason.value = "not_violating"; } },
    e: { label: words.labelE, fill: () => { action.value = "escalate"; } },
  };
  if (words.post === "1") shortcuts.r = { label: words.labelR, fill: violation(null, "", "remove_post") };
  // Only what the case's platform can do is offered (the server refuses the rest with 422).
  const offered = (form.dataset.offered || "").split(" ");
  if (!offered.includes("block")) delete shortcuts.b;
  if (!offered.includes("block_in_country")) delete shortcuts.i;
  if (!offered.includes("remove_post")) delete shortcuts.r;

  // An escalation is a question: Enter in the note sends it (Shift+Enter: a new line).
  note.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && action.value === "escalate" && note.value.trim()) {
      event.preventDefault();
      form.requestSubmit(submit);
    }
  });

  if (form.hasAttribute("data-shortcuts")) document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (keysHelp && keysHelp.open) return;
    if (typing(event.target)) return; // typing, not a shortcut
    if (event.key === "Escape") {
      hint.textContent = "";
      form.classList.remove("armed");
      submit.textContent = words.msgDecide;
      submit.blur();
      return;
    }
    const shortcut = shortcuts[event.key.toLowerCase()];
    if (!shortcut) return;
    event.preventDefault();
    shortcut.fill();
    syncForm();
    form.classList.add("armed");
    submit.textContent = `${words.msgDecide}: ${shortcut.label}`;
    if (action.value === "escalate") {
      hint.textContent = words.msgQuestion;
      note.focus();
    } else if (!reason.value) {
      hint.textContent = words.msgChoose;
      reason.focus();
    } else {
      hint.textContent = words.msgConfirm;
      submit.focus();
    }
  });
}

// --- Live: time left, state and claims of the cases on the page, without a reload. ---
const live = [...document.querySelectorAll("[data-live] [data-case], [data-live][data-case]")];
const LIVE_EVERY_MS = 15000;
const LEASE_WARNING_MS = 3 * 60 * 1000;
if (live.length) {
  const ids = [...new Set(live.map((el) => el.dataset.case))];
  const refresh = async () => {
    const query = ids.map((id) => `case=${encodeURIComponent(id)}`).join("&");
    let answer;
    try {
      const response = await fetch(`/console/live?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      answer = await response.json();
    } catch (error) {
      return; // offline for a moment: the next round tries again
    }
    const now = Date.parse(answer.now);
    for (const el of live) {
      const item = answer.cases[el.dataset.case];
      if (!item) continue;
      const badge = el.querySelector("[data-live-badge]");
      if (badge) { badge.className = `sla ${item.badge}`; badge.textContent = item.label; }
      const state = el.querySelector("[data-live-state]");
      if (state) (state.querySelector("b") || state).textContent = item.state_label;
      const claim = el.querySelector("[data-live-claim]");
      if (claim && item.claim_text) claim.textContent = item.claim_text;
      const warning = el.querySelector("[data-lease-warning]");
      if (warning) {
        const left = item.mine && item.lease_until ? Date.parse(item.lease_until) - now : Infinity;
        warning.hidden = !(left > 0 && left < LEASE_WARNING_MS);
      }
    }
  };
  setInterval(refresh, LIVE_EVERY_MS);
}
