/* Ask before you ticket (or post): answers that may solve the problem, shown while the customer
 * types. Used by Contact support and by the forum's Ask the community form.
 *
 * The panel (templates/tickets/_deflect_panel.html) says which form it belongs to and where to
 * send things: data-form (the form's id), data-fields (the subject and body field names),
 * data-source (ticket_form / ask_form), data-solved-url and data-event-url.
 *
 * Reads the subject and the start of the body, asks /api/suggest (the same API as the search box;
 * debounced, older answers ignored) and lists matching articles and solved threads with their
 * snippets. Links open in a new tab so the draft stays. Each has a "This solved my problem"
 * button: it posts the form to the solved URL, which records the deflection and creates nothing.
 * Service notices whose keywords appear in the text are shown.
 *
 * We render a panel rather than reuse static/js/suggest.js: that one is a combobox that navigates
 * away on choice, while here the list must stay visible beside a half-written draft.
 *
 * Events are POSTed to the event URL; the server ties them to the visit. "shown" names the list
 * displayed (once per different list); a query that found nothing is sent as a "shown" without
 * documents, but only once the customer has stopped typing for a while (or leaves, or submits),
 * and never twice in a row for the same text: the dashboard wants the questions people ask, not
 * every prefix of them. Without JavaScript the server shows the same suggestions as a step before
 * anything is created; `js_suggestions=1` tells it the customer already saw them.
 */
(function () {
  "use strict";

  var API_URL = "/api/suggest";
  var UNSPACED = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1980-\u19df\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
  var WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
  var DEBOUNCE_MS = 350;
  // After an empty answer: how long the text must stay as it is before we call it a question.
  var SETTLE_MS = 1500;
  var MIN_CHARS = 4;
  var DESCRIPTION_CHARS = 200;
  var LIMIT = 5;

  // Named gettext so that makemessages -d djangojs finds the strings.
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };

  // Each language's own name (base.html renders them as JSON), to label results in another language.
  function languageNames() {
    var element = document.getElementById("language-names");
    try { return element ? JSON.parse(element.textContent) : {}; } catch (error) { return {}; }
  }

  function init(panel) {
    var form = document.getElementById(panel.getAttribute("data-form") || "");
    if (!form || !window.fetch) { return; }
    var names = (panel.getAttribute("data-fields") || "subject description").split(/\s+/);
    var subject = form.querySelector("[name='" + names[0] + "']");
    var description = form.querySelector("[name='" + (names[1] || "description") + "']");
    var source = panel.getAttribute("data-source") || "";
    var list = panel.querySelector(".deflect-results");
    var hint = panel.querySelector(".deflect-hint");
    var notices = panel.querySelectorAll(".deflect-notice");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]");
    var language = (document.documentElement.getAttribute("lang") || "").split("-")[0];
    var languageName = languageNames();
    var timer = null;
    var sequence = 0;
    var lastQuery = null;
    var lastWhole = false;
    var lastShown = "";  // the last list (or empty query) recorded: never the same twice in a row
    var pendingEmpty = null;
    var settleTimer = null;

    function query() {
      var text = (subject ? subject.value : "") + " " + (description ? description.value.slice(0, DESCRIPTION_CHARS) : "");
      return text.replace(/\s+/g, " ").trim().slice(0, 500);
    }

    function sendEvent(type, docs, text) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
      data.append("type", type);
      data.append("query", text);
      docs.forEach(function (doc) { data.append("doc", doc); });
      var url = panel.getAttribute("data-event-url");
      // sendBeacon survives the page being left (a click opens a tab, but be safe).
      if (navigator.sendBeacon && navigator.sendBeacon(url, data)) { return; }
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true }).catch(function () {});
    }

    function dropPendingEmpty() {
      window.clearTimeout(settleTimer);
      pendingEmpty = null;
    }

    function armEmpty(text) {
      pendingEmpty = text;
      window.clearTimeout(settleTimer);
      settleTimer = window.setTimeout(flushPendingEmpty, SETTLE_MS);
    }

    function flushPendingEmpty() {
      var text = pendingEmpty;
      dropPendingEmpty();
      if (text === null || "\u0000" + text === lastShown) { return; }
      lastShown = "\u0000" + text;
      sendEvent("shown", [], text);
    }

    // As tickets/deflection.py's keyword_in: where a word starts ("mail" in "mailbox", not in
    // "gmail"); keywords in scripts written without spaces (Lao) anywhere.
    function keywordIn(keyword, text) {
      if (UNSPACED.test(keyword)) { return text.indexOf(keyword) !== -1; }
      var start = text.indexOf(keyword);
      while (start !== -1) {
        if (start === 0 || !WORD_CHAR.test(text.charAt(start - 1))) { return true; }
        start = text.indexOf(keyword, start + 1);
      }
      return false;
    }

    function updateNotices(text) {
      var words = text.toLocaleLowerCase(language || undefined);
      var any = false;
      for (var i = 0; i < notices.length; i++) {
        var notice = notices[i];
        var show = notice.hasAttribute("data-site-wide");
        if (!show) {
          var keywords = (notice.getAttribute("data-keywords") || "").split(",").filter(Boolean);
          show = keywords.some(function (keyword) { return keywordIn(keyword, words); });
        }
        notice.hidden = !show;
        any = any || show;
      }
      return any;
    }

    function render(text, results) {
      list.textContent = "";
      results.forEach(function (result) {
        var item = document.createElement("li");
        item.className = "deflect-result";
        item.setAttribute("lang", result.language);

        var link = document.createElement("a");
        link.className = "deflect-title";
        link.href = result.url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = result.title;
        link.addEventListener("click", function () { sendEvent("click", [result.id], text); });
        item.appendChild(link);

        var kind = document.createElement("span");
        kind.className = "deflect-kind";
        kind.textContent = result.kind === "article" ? gettext("Article") : gettext("Solved community thread");
        item.appendChild(kind);

        if (result.language !== language && languageName[result.language]) {
          var label = document.createElement("span");
          label.className = "deflect-language";
          label.title = gettext("Language");
          label.textContent = languageName[result.language];
          item.appendChild(label);
        }

        if (result.snippet) {
          var snippet = document.createElement("p");
          snippet.className = "deflect-snippet";
          snippet.innerHTML = result.snippet;  // escaped by the server; only <mark> tags
          item.appendChild(snippet);
        }

        // The article's other languages, as small links.
        var translations = (result.translations || []).filter(function (t) { return languageName[t.language]; });
        if (translations.length) {
          var also = document.createElement("p");
          also.className = "deflect-translations";
          also.appendChild(document.createTextNode(gettext("Also in:")));
          translations.forEach(function (translation) {
            var other = document.createElement("a");
            other.href = translation.url;
            other.lang = translation.language;
            other.hreflang = translation.language;
            other.target = "_blank";
            other.rel = "noopener";
            other.textContent = languageName[translation.language];
            also.appendChild(document.createTextNode(" "));
            also.appendChild(other);
          });
          item.appendChild(also);
        }

        // type=button, not submit: a submit button here would become the form's default button,
        // and Enter in the subject field would "solve" instead of sending the form.
        var solved = document.createElement("button");
        solved.type = "button";
        solved.className = "button button-secondary small-button";
        solved.textContent = gettext("This solved my problem");
        solved.addEventListener("click", function () { submitSolved(result.id); });
        item.appendChild(solved);

        list.appendChild(item);
      });
      hint.hidden = results.length === 0;
      var ids = results.map(function (result) { return result.id; });
      if (!ids.length) {
        armEmpty(text);
      } else if (ids.join(" ") !== lastShown) {
        lastShown = ids.join(" ");
        sendEvent("shown", ids, text);
      }
    }

    // The subject is a whole question once the customer has moved on (left the field or started
    // the description): the server may then also look it up by meaning.
    function complete() {
      return document.activeElement !== subject || Boolean(description && description.value.trim());
    }

    function refresh() {
      var text = query();
      var whole = complete();
      var hasNotices = updateNotices(text);
      if (text.length < MIN_CHARS) {
        list.textContent = "";
        hint.hidden = true;
        panel.hidden = !hasNotices;
        lastQuery = null;
        return;
      }
      if (text === lastQuery && (lastWhole || !whole)) {
        if (!list.children.length) { armEmpty(text); }  // typed and undone: the same empty answer
        return;
      }
      var mine = ++sequence;
      var params = new URLSearchParams({ q: text, lang: language, limit: String(LIMIT * 2), source: source });
      if (whole) { params.set("complete", "1"); }
      fetch(API_URL + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (mine !== sequence) { return; }  // an answer to an older keystroke
          lastQuery = text;
          lastWhole = whole;
          // Articles and solved threads only: an unsolved thread is not an answer.
          var results = (data.results || []).filter(function (r) { return r.kind === "article" || r.solved; }).slice(0, LIMIT);
          render(text, results);
          panel.hidden = !(results.length || hasNotices);
          // The customer has now seen the live suggestions: skip the no-JS step on submit.
          markSeen();
        })
        .catch(function () { /* suggestions are a convenience: the form still works */ });
    }

    function submitSolved(docId) {
      // Post the form to the "solved" URL: it records the deflection and creates nothing.
      var doc = document.createElement("input");
      doc.type = "hidden";
      doc.name = "solved_doc";
      doc.value = docId;
      form.appendChild(doc);
      form.action = panel.getAttribute("data-solved-url");
      form.noValidate = true;
      form.submit();
    }

    function markSeen() {
      if (form.querySelector("input[name=js_suggestions]")) { return; }
      var seen = document.createElement("input");
      seen.type = "hidden";
      seen.name = "js_suggestions";
      seen.value = "1";
      form.appendChild(seen);
    }

    function schedule() {
      dropPendingEmpty();  // still typing: that empty answer was not the question
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DEBOUNCE_MS);
    }

    [subject, description].forEach(function (field) { if (field) { field.addEventListener("input", schedule); } });
    if (subject) { subject.addEventListener("change", schedule); }  // left the field: a whole question
    // Submitting or leaving settles the text as it is.
    form.addEventListener("submit", flushPendingEmpty);
    window.addEventListener("pagehide", flushPendingEmpty);
    if (query().length >= MIN_CHARS) { refresh(); }  // e.g. a subject prefilled from the search page
  }

  function initAll() {
    var panels = document.querySelectorAll(".deflect-panel[data-form]");
    for (var i = 0; i < panels.length; i++) { init(panels[i]); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", initAll); } else { initAll(); }
})();
