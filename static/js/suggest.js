/* Suggest as you type: an ARIA 1.2 combobox over /api/suggest.
 *
 * Attaches to every `input[data-suggest]` / `textarea[data-suggest]` (the header search box, the
 * home page search, and later the ticket and "ask the community" forms). Without JavaScript those
 * stay plain forms. Options (data attributes on the field):
 *   data-suggest-container  id of the element that becomes the listbox (default: aria-controls,
 *                           else one is created after the field)
 *   data-suggest-limit      number of suggestions (default 6, max 10)
 *   data-suggest-kind       "article" or "topic" to restrict suggestions
 *   data-suggest-fields     ids of other fields whose text joins the query (e.g. subject + description)
 *   data-suggest-no-submit  Enter never submits the field's form (for forms that create things)
 *
 * Keyboard: ArrowDown/ArrowUp move through the suggestions, Enter opens the highlighted one (or
 * submits the search when none is highlighted), Escape closes the list (a second Escape clears the
 * field), Tab leaves. Screen readers hear the number of suggestions through a polite live region.
 *
 * Every time suggestions are shown the field dispatches a `suggest:shown` CustomEvent
 * (detail: {query, results}); choosing one dispatches `suggest:chosen` (detail: {query, result}).
 * Other code (analytics, deflection) listens to those instead of reaching into this module.
 * `window.HelpcenterSuggest.attach(field, options)` attaches to fields added later.
 */
(function () {
  "use strict";

  var API_URL = "/api/suggest";
  var DEBOUNCE_MS = 160;
  var MIN_CHARS = 2;
  var counter = 0;

  // Named gettext so that makemessages -d djangojs finds the strings.
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };

  // Each language's own name (base.html renders them as JSON), to label results in another language.
  function languageName(code) {
    var element = document.getElementById("language-names");
    try { return (element ? JSON.parse(element.textContent) : {})[code] || ""; } catch (error) { return ""; }
  }
  function format(text, values) {
    return typeof window.interpolate === "function" ? window.interpolate(text, values, true)
      : text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function pageLanguage() { return (document.documentElement.getAttribute("lang") || "").split("-")[0]; }

  function Suggest(field, options) {
    this.field = field;
    this.options = options || {};
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.sequence = 0;
    this.lastQuery = null;
    this.setup();
  }

  Suggest.prototype.setup = function () {
    var field = this.field;
    var id = ++counter;
    var containerId = field.getAttribute("data-suggest-container") || field.getAttribute("aria-controls");
    var listbox = containerId && document.getElementById(containerId);
    if (!listbox) {
      listbox = document.createElement("div");
      listbox.id = "suggest-list-" + id;
      listbox.className = "suggest";
      listbox.hidden = true;
      field.insertAdjacentElement("afterend", listbox);
      if (field.parentElement && getComputedStyle(field.parentElement).position === "static") {
        field.parentElement.style.position = "relative";
      }
    }
    listbox.setAttribute("role", "listbox");
    var label = field.labels && field.labels.length ? field.labels[0].textContent.trim() : gettext("Search the help center");
    listbox.setAttribute("aria-label", format(gettext("Suggestions: %(label)s"), { label: label }));
    this.listbox = listbox;

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    listbox.insertAdjacentElement("afterend", this.status);

    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-expanded", "false");
    field.setAttribute("aria-controls", listbox.id);
    field.setAttribute("autocomplete", "off");

    var self = this;
    field.addEventListener("input", function () { self.schedule(); });
    field.addEventListener("keydown", function (event) { self.onKeyDown(event); });
    field.addEventListener("blur", function () {
      // Let a click on an option land before the list disappears.
      window.setTimeout(function () { if (!self.listbox.contains(document.activeElement)) { self.close(); } }, 150);
    });
    field.addEventListener("focus", function () { if (self.results.length && self.query() === self.lastQuery) { self.open(); } });
    (this.extraFields() || []).forEach(function (other) { other.addEventListener("input", function () { self.schedule(); }); });
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus in the field
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { self.choose(Number(option.getAttribute("data-index"))); }
    });
  };

  Suggest.prototype.extraFields = function () {
    var ids = (this.field.getAttribute("data-suggest-fields") || "").split(/\s+/).filter(Boolean);
    return ids.map(function (id) { return document.getElementById(id); }).filter(Boolean);
  };

  Suggest.prototype.query = function () {
    var parts = [this.field.value];
    this.extraFields().forEach(function (other) { parts.push(other.value); });
    return parts.join(" ").replace(/\s+/g, " ").replace(/^\s+/, "").slice(0, 500);
  };

  Suggest.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.fetch(); }, DEBOUNCE_MS);
  };

  Suggest.prototype.fetch = function () {
    var query = this.query();
    if (query.trim().length < MIN_CHARS) {
      this.lastQuery = null;
      this.results = [];
      this.close();
      return;
    }
    if (query === this.lastQuery) { return; }
    if (this.controller) { this.controller.abort(); }
    this.controller = typeof AbortController === "function" ? new AbortController() : null;
    var field = this.field;
    var params = new URLSearchParams({ q: query, lang: pageLanguage() });
    var limit = field.getAttribute("data-suggest-limit");
    params.set("limit", String(Math.min(10, Number(limit) || 6)));
    if (field.getAttribute("data-suggest-kind")) { params.set("kind", field.getAttribute("data-suggest-kind")); }
    var sequence = ++this.sequence;
    var self = this;
    fetch(API_URL + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: this.controller ? this.controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (sequence !== self.sequence) { return; }  // an answer to an older keystroke
      self.lastQuery = query;
      self.render(query, data.results || []);
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      self.results = [];
      self.close();  // suggestions are a convenience: the form still works
    });
  };

  Suggest.prototype.render = function (query, results) {
    this.results = results;
    this.active = -1;
    var listbox = this.listbox;
    listbox.textContent = "";
    var self = this;
    results.forEach(function (result, index) {
      var option = document.createElement("div");
      option.id = listbox.id + "-option-" + index;
      // A thread promoted into an article comes right after it (server-side): indent it under it.
      option.className = result.folded_under ? "suggest-option suggest-option-folded" : "suggest-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(index));
      option.setAttribute("lang", result.language);

      var title = document.createElement("span");
      title.className = "suggest-title";
      title.textContent = result.title;
      option.appendChild(title);

      var meta = document.createElement("span");
      meta.className = "suggest-meta";
      var kind = document.createElement("span");
      kind.textContent = result.kind === "article" ? gettext("Article") : gettext("Forum topic");
      meta.appendChild(kind);
      if (result.solved) {
        var solved = document.createElement("span");
        solved.className = "tag tag-solved";
        solved.textContent = gettext("Solved");
        meta.appendChild(solved);
      }
      if (result.language !== pageLanguage() && languageName(result.language)) {
        var language = document.createElement("span");
        language.className = "suggest-language";
        language.textContent = languageName(result.language);
        meta.appendChild(language);
      }
      option.appendChild(meta);

      if (result.snippet) {
        var snippet = document.createElement("span");
        snippet.className = "suggest-snippet";
        snippet.innerHTML = result.snippet;  // escaped by the server; only <mark> tags
        option.appendChild(snippet);
      }
      listbox.appendChild(option);
    });

    var form = this.field.form;
    if (form && !this.field.hasAttribute("data-suggest-no-submit") && results.length) {
      var all = document.createElement("div");
      all.id = listbox.id + "-option-all";
      all.className = "suggest-option suggest-footer";
      all.setAttribute("role", "option");
      all.setAttribute("aria-selected", "false");
      all.setAttribute("data-index", String(results.length));
      all.textContent = format(gettext("See all results for “%(query)s”"), { query: query.trim() });
      listbox.appendChild(all);
    }

    if (results.length) {
      this.open();
      this.status.textContent = format(
        results.length === 1 ? gettext("%(count)s suggestion. Use the up and down arrows to choose.")
          : gettext("%(count)s suggestions. Use the up and down arrows to choose."),
        { count: results.length });
      this.field.dispatchEvent(new CustomEvent("suggest:shown", { bubbles: true, detail: { query: query, results: results } }));
    } else {
      this.close();
      this.status.textContent = gettext("No suggestions.");
    }
  };

  Suggest.prototype.options_ = function () { return this.listbox.querySelectorAll("[role=option]"); };

  Suggest.prototype.open = function () {
    if (!this.options_().length) { return; }
    this.listbox.hidden = false;
    this.field.setAttribute("aria-expanded", "true");
  };

  Suggest.prototype.close = function () {
    this.listbox.hidden = true;
    this.field.setAttribute("aria-expanded", "false");
    this.field.removeAttribute("aria-activedescendant");
    this.highlight(-1);
  };

  Suggest.prototype.isOpen = function () { return !this.listbox.hidden; };

  Suggest.prototype.highlight = function (index) {
    var options = this.options_();
    this.active = index;
    for (var i = 0; i < options.length; i++) {
      var selected = i === index;
      options[i].setAttribute("aria-selected", selected ? "true" : "false");
      if (selected) {
        this.field.setAttribute("aria-activedescendant", options[i].id);
        if (options[i].scrollIntoView) { options[i].scrollIntoView({ block: "nearest" }); }
      }
    }
    if (index < 0) { this.field.removeAttribute("aria-activedescendant"); }
  };

  Suggest.prototype.onKeyDown = function (event) {
    var count = this.options_().length;
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        if (!count) { return; }
        event.preventDefault();
        if (!this.isOpen()) { this.open(); this.highlight(0); return; }
        this.highlight(this.active + 1 >= count ? 0 : this.active + 1);
        break;
      case "ArrowUp":
      case "Up":
        if (!count) { return; }
        event.preventDefault();
        if (!this.isOpen()) { this.open(); this.highlight(count - 1); return; }
        this.highlight(this.active <= 0 ? count - 1 : this.active - 1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault();
          this.choose(this.active);
        } else if (this.field.hasAttribute("data-suggest-no-submit") && this.field.tagName === "INPUT") {
          event.preventDefault();
        }
        break;
      case "Escape":
      case "Esc":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.field.value) {
          event.preventDefault();
          this.field.value = "";
          this.results = [];
          this.lastQuery = null;
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  Suggest.prototype.choose = function (index) {
    if (index === this.results.length) {  // "See all results"
      this.close();
      if (this.field.form) {
        if (this.field.form.requestSubmit) { this.field.form.requestSubmit(); } else { this.field.form.submit(); }
      }
      return;
    }
    var result = this.results[index];
    if (!result) { return; }
    var chosen = new CustomEvent("suggest:chosen", { bubbles: true, cancelable: true, detail: { query: this.lastQuery, result: result } });
    this.close();
    if (this.field.dispatchEvent(chosen)) { window.location.assign(result.url); }
  };

  function attach(field, options) {
    if (!field || field.__suggest) { return field && field.__suggest; }
    field.__suggest = new Suggest(field, options);
    return field.__suggest;
  }

  function init() {
    var fields = document.querySelectorAll("input[data-suggest], textarea[data-suggest]");
    for (var i = 0; i < fields.length; i++) { attach(fields[i]); }
  }

  window.HelpcenterSuggest = { attach: attach };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
