// PartnerHub: behaviour without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A form is sent once: its buttons are disabled while the browser waits for the answer (the form's
// one-time token makes a second submission harmless anyway, see partnerhub/submit_once.py).
// htmx forms are left to htmx (it prevents the default; they use hx-disabled-elt instead).
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") {
    return;
  }
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  // After this event: a button disabled now would leave its own name and value out of the form data.
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]:not([disabled]), button:not([type]):not([disabled]), input[type=submit]:not([disabled])").forEach(function (button) {
      button.disabled = true;
      button.dataset.disabledWhileSending = "1";
    });
  }, 0);
});

// Back to a page from the browser's cache: its forms can be sent again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitting]").forEach(function (form) {
    delete form.dataset.submitting;
    form.querySelectorAll("[data-disabled-while-sending]").forEach(function (button) {
      button.disabled = false;
      delete button.dataset.disabledWhileSending;
    });
  });
});

// "/" jumps to the global search (as on GitHub), unless the person is typing somewhere.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) {
    return;
  }
  const search = document.getElementById("global-search");
  if (search) {
    event.preventDefault();
    search.focus();
  }
});
