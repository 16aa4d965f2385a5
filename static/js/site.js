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
        form.submit();
      }
    });
    select.addEventListener("pointerdown", function () { keyboardChange = false; });
    select.addEventListener("change", function () {
      if (!keyboardChange) form.submit();
    });
  }

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
