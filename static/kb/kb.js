// Knowledge base pages: copy buttons on code blocks, and the "Was this article helpful?" form
// sent with fetch() so the page doesn't reload. Without JavaScript both still work: code can be
// selected by hand, and the forms post normally and come back with a thank-you message.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // http:// (no Clipboard API): copy through a temporary, off-screen textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.insetInlineStart = "-9999px";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("[data-kb-copy]").forEach(function (button) {
      var code = button.closest(".kb-code").querySelector("pre code");
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(code.textContent).then(function () {
          button.textContent = button.dataset.copiedLabel;
        }, function () {
          // Leave the code selected so Ctrl+C works.
          var range = document.createRange();
          range.selectNodeContents(code);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          button.textContent = button.dataset.failedLabel;
        }).then(function () {
          window.setTimeout(function () { button.textContent = label; }, 2500);
        });
      });
    });
  }

  function setUpFeedback(section) {
    var status = section.querySelector("[data-kb-feedback-status]");
    var voteForm = section.querySelector("[data-kb-feedback-vote]");
    var commentForm = section.querySelector("[data-kb-feedback-comment]");

    function show(message, isError) {
      status.textContent = message;
      status.classList.toggle("is-error", Boolean(isError));
    }

    function send(form, submitter) {
      var data = new FormData(form);
      if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      return fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (payload) { return { ok: response.ok, payload: payload }; });
      }).then(function (result) {
        show(result.payload.message, !result.ok);
        if (result.ok) {
          voteForm.querySelectorAll("button[name=helpful]").forEach(function (b) {
            b.setAttribute("aria-pressed", String(b.value === result.payload.vote));
          });
          commentForm.hidden = result.payload.vote !== "no";
          if (form === voteForm && result.payload.vote === "no") {
            commentForm.querySelector("textarea").focus();
          }
        }
      }).catch(function () {
        // Network trouble or a non-JSON reply: fall back to a normal form post.
        if (submitter && submitter.name) {
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = submitter.name;
          field.value = submitter.value;
          form.appendChild(field);
        }
        form.submit();
      }).finally(function () {
        buttons.forEach(function (b) { b.disabled = false; });
      });
    }

    [voteForm, commentForm].forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form, event.submitter);
      });
    });
  }

  function init() {
    setUpCopyButtons();
    document.querySelectorAll("[data-kb-feedback]").forEach(setUpFeedback);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
