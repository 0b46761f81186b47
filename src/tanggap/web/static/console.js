// Tanggap console: blurred media revealed on click, and keyboard shortcuts for decisions.
// Served from /static (the CSP allows scripts from 'self' only; no inline script anywhere).
"use strict";

// --- Media stays blurred until the reviewer clicks it (and blurs again on a second click). ---
document.addEventListener("click", (event) => {
  const media = event.target.closest("button.media");
  if (!media) return;
  const revealed = media.classList.toggle("revealed");
  media.setAttribute("aria-pressed", revealed ? "true" : "false");
});

// --- The decision form: reasons follow the action, the scope only matters for a block. ---
const form = document.querySelector("form.decision");
if (form) {
  const action = form.querySelector("select[name=action]");
  const reason = form.querySelector("select[name=reason_code]");
  const scope = form.querySelector("fieldset.scope");
  const submit = form.querySelector("button[type=submit]");
  const hint = document.getElementById("shortcut-hint");

  const fits = (option) => action.value === "escalate" || option.dataset.actions.split(" ").includes(action.value);
  const syncForm = () => {
    for (const option of reason.options) option.disabled = !fits(option);
    if (reason.selectedOptions[0] && reason.selectedOptions[0].disabled) {
      const first = [...reason.options].find((option) => !option.disabled);
      if (first) reason.value = first.value;
    }
    reason.disabled = action.value === "escalate";
    scope.disabled = action.value !== "block";
  };
  action.addEventListener("change", syncForm);
  syncForm();

  const setScope = (kind, countries) => {
    form.querySelector(`input[name=scope_kind][value=${kind}]`).checked = true;
    form.querySelector("input[name=countries]").value = countries;
  };
  const suggested = form.dataset.suggestedReason;
  // key -> what it fills in and what the hint says. Enter (on the focused Decide button) confirms.
  const shortcuts = {
    b: { label: "Block globally", fill: () => { action.value = "block"; setScope("global", ""); reason.value = suggested; } },
    i: { label: "Block in Indonesia only", fill: () => { action.value = "block"; setScope("countries", "ID"); reason.value = suggested; } },
    n: { label: "No action", fill: () => { action.value = "no_action"; reason.value = "not_violating"; } },
    e: { label: "Need more information (escalate)", fill: () => { action.value = "escalate"; } },
  };
  if (form.dataset.post === "1") {
    shortcuts.r = { label: "Remove post", fill: () => { action.value = "remove_post"; reason.value = suggested; } };
  }
  // Only what the case's platform can do is offered (the server refuses the rest with 422).
  const offered = (form.dataset.offered || "").split(" ");
  if (!offered.includes("block")) delete shortcuts.b;
  if (!offered.includes("block_in_country")) delete shortcuts.i;
  if (!offered.includes("remove_post")) delete shortcuts.r;

  if (form.hasAttribute("data-shortcuts")) document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return; // typing, not a shortcut
    if (event.key === "Escape") {
      hint.textContent = "";
      form.classList.remove("armed");
      submit.blur();
      return;
    }
    const shortcut = shortcuts[event.key.toLowerCase()];
    if (!shortcut) return;
    event.preventDefault();
    shortcut.fill();
    syncForm();
    form.classList.add("armed");
    submit.textContent = `Decide: ${shortcut.label}`;
    hint.textContent = "Press Enter to confirm, Esc to cancel.";
    submit.focus();
  });
}
