/* Community forum: small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  // Helpful votes without a page reload (the form still works as a plain POST).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-vote]") || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) { window.alert(result.data.error || ""); return; }
        button.classList.toggle("is-active", result.data.voted);
        button.setAttribute("aria-pressed", result.data.voted ? "true" : "false");
        var count = form.querySelector("[data-vote-count]");
        if (count) count.textContent = result.data.count;
      })
      .catch(function () { form.submit(); })
      .finally(function () { button.disabled = false; });
  });
})();
