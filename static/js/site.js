// Site-wide behaviour. Everything here is an enhancement: every form also works without it.
(function () {
  "use strict";

  // Language switcher: submit as soon as a language is picked with the mouse or touch.
  // Arrow keys on a closed <select> also fire "change" in some browsers, so a keyboard
  // user would be sent away on the first key press; for them the "Change" button (shown
  // when the form has focus, see site.css) submits instead.
  function initLanguageSwitcher(form) {
    var select = form.querySelector("select");
    if (!select) return;
    var keyboardChange = false;
    select.addEventListener("keydown", function (event) {
      keyboardChange = event.key !== "Enter";
      if (event.key === "Enter") {
        event.preventDefault();
        submit(form);
      }
    });
    select.addEventListener("pointerdown", function () { keyboardChange = false; });
    select.addEventListener("change", function () {
      if (!keyboardChange) submit(form);
    });
  }

  // requestSubmit() fires "submit" (so the CSRF-on-demand handler below runs); submit() doesn't.
  function submit(form, submitter) {
    if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
  }

  // Forms on cacheable pages carry an empty CSRF field for anonymous visitors (the page sets no
  // cookie). On submit, fetch a token (which also sets the cookie), fill it in and submit again.
  // Runs in the capture phase, before any other submit handler (e.g. kb.js's fetch).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var field = form.querySelector && form.querySelector("input[data-csrf-on-demand]");
    if (!field || field.value || !window.fetch) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    fetch("/api/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        form.querySelectorAll("input[data-csrf-on-demand]").forEach(function (input) { input.value = data.token; });
        submit(form, submitter);
      })
      .catch(function () { form.submit(); });  // the server's CSRF page offers to send it again
  }, true);

  // Buttons with data-confirm ask before submitting (e.g. destructive actions).
  function initConfirm(button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  }

  function init() {
    document.querySelectorAll("form[data-autosubmit]").forEach(initLanguageSwitcher);
    document.querySelectorAll("[data-confirm]").forEach(initConfirm);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
