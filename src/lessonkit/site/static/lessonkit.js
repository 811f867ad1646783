/* lessonkit site behaviour: episode navigation, tabs, printing and offline search.
   Plain JavaScript, no framework, no network access beyond the site's own files.
   (c) lessonkit developers, MIT licence. */
(function () {
  "use strict";

  var script = document.currentScript;
  var assets = script ? script.src.replace(/lessonkit\.js(\?.*)?$/, "") : "assets/";

  /* Interface strings in the page's language (assets/strings-LANG.js); English when there is none. */
  function t(message, values) {
    var strings = window.LK_STRINGS || {};
    var text = strings[message] || message;
    if (values) {
      text = text.replace(/%\((\w+)\)s/g, function (all, name) { return values[name] !== undefined ? values[name] : all; });
    }
    return text;
  }
  window.lessonkitT = t;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* ---- Episode navigation (built once per site build, in nav.js) ---- */
  function buildNav() {
    var holder = document.getElementById("episode-nav");
    var nav = window.LK_NAV;
    if (!holder || !nav || !nav.episodes) { return; }
    var current = holder.getAttribute("data-current");
    var list = el(document.body.classList.contains("no-sidebar-numbers") ? "ul" : "ol", { "class": "episode-list" });
    nav.episodes.forEach(function (episode) {
      var item = el("li");
      var link = el("a", { href: episode.s + ".html" }, episode.t);
      if (episode.s === current) { link.setAttribute("aria-current", "page"); }
      item.appendChild(link);
      list.appendChild(item);
    });
    var heading = el("p", { "class": "sidebar-heading", id: "episode-nav-heading" }, t("Episodes"));
    list.setAttribute("aria-labelledby", "episode-nav-heading");
    holder.textContent = "";
    holder.appendChild(heading);
    holder.appendChild(list);
  }

  /* ---- Sidebar toggle on narrow screens ---- */
  function sidebarToggle() {
    var button = document.querySelector(".sidebar-toggle");
    var content = document.getElementById("sidebar-content");
    if (!button || !content) { return; }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      content.classList.toggle("open", !open);
    });
  }

  /* ---- Tabs: each h3 in a .tabs block starts a panel ---- */
  var tabCounter = 0;
  function buildTabs() {
    document.querySelectorAll(".tabs").forEach(function (box) {
      var headings = Array.prototype.filter.call(box.children, function (c) { return /^H[2-4]$/.test(c.tagName); });
      if (headings.length < 2) { return; }
      var group = box.getAttribute("data-tabs");
      var tablist = el("div", { role: "tablist", "class": "tablist" });
      var tabs = [];
      var panels = [];
      headings.forEach(function (heading, index) {
        tabCounter += 1;
        var panel = el("div", { role: "tabpanel", "class": "tabpanel", id: "tabpanel-" + tabCounter, tabindex: "0" });
        var node = heading.nextSibling;
        while (node && headings.indexOf(node) === -1) {
          var next = node.nextSibling;
          panel.appendChild(node);
          node = next;
        }
        var name = heading.textContent.trim();
        var tab = el("button", { role: "tab", type: "button", id: "tab-" + tabCounter, "aria-controls": panel.id,
                                 "aria-selected": index === 0 ? "true" : "false", tabindex: index === 0 ? "0" : "-1",
                                 "data-name": name }, name);
        panel.setAttribute("aria-labelledby", tab.id);
        if (index !== 0) { panel.hidden = true; }
        heading.remove();
        tabs.push(tab);
        panels.push(panel);
        tablist.appendChild(tab);
      });
      box.textContent = "";
      box.appendChild(tablist);
      panels.forEach(function (p) { box.appendChild(p); });
      function select(index, focus) {
        tabs.forEach(function (tab, i) {
          var on = i === index;
          tab.setAttribute("aria-selected", on ? "true" : "false");
          tab.setAttribute("tabindex", on ? "0" : "-1");
          panels[i].hidden = !on;
        });
        if (focus) { tabs[index].focus(); }
      }
      box.lkSelect = function (name) {
        tabs.forEach(function (tab, i) { if (tab.getAttribute("data-name") === name) { select(i, false); } });
      };
      tabs.forEach(function (tab, index) {
        tab.addEventListener("click", function () {
          select(index, false);
          if (group === "group-tab") {  // grouped tabs switch together across the page
            document.querySelectorAll('.tabs[data-tabs="group-tab"]').forEach(function (other) {
              if (other !== box && other.lkSelect) { other.lkSelect(tab.getAttribute("data-name")); }
            });
          }
        });
        tab.addEventListener("keydown", function (event) {
          var next = null;
          if (event.key === "ArrowRight") { next = (index + 1) % tabs.length; }
          if (event.key === "ArrowLeft") { next = (index - 1 + tabs.length) % tabs.length; }
          if (event.key === "Home") { next = 0; }
          if (event.key === "End") { next = tabs.length - 1; }
          if (next !== null) { event.preventDefault(); select(next, true); }
        });
      });
    });
  }

  /* ---- Printing: show every collapsed solution ---- */
  function printing() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
      document.querySelectorAll(".tabpanel[hidden]").forEach(function (p) { p.hidden = false; p.dataset.lkPrint = "1"; });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
      document.querySelectorAll('.tabpanel[data-lk-print="1"]').forEach(function (p) { p.hidden = true; delete p.dataset.lkPrint; });
    });
  }

  /* ---- Open a collapsed solution when a link points into it ---- */
  function openTarget() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    while (target) {
      if (target.tagName === "DETAILS") { target.open = true; }
      target = target.parentElement;
    }
  }

  /* ---- Search (index loaded on demand from assets/search-index.js), in the page's language ---- */
  /* Accents folded (é → e, ü → u, ß → ss); only Latin combining marks go, so that Japanese
     voiced marks (が) and Cyrillic letters (й) keep their meaning. */
  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\u00df/g, "ss").normalize("NFC");
  }

  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

  /* The words of a query: Intl.Segmenter splits Japanese and Chinese (written without spaces) into
     words; without it, runs of CJK characters are split into overlapping pairs. */
  function queryWords(query, lang) {
    var text = normalise(query);
    var found = [];
    if (window.Intl && Intl.Segmenter) {
      var segmenter = new Intl.Segmenter(lang || undefined, { granularity: "word" });
      Array.from(segmenter.segment(text)).forEach(function (part) {
        if (part.isWordLike) { found.push(part.segment); }
      });
    } else {
      text.split(/[^\p{L}\p{N}_]+/u).forEach(function (word) {
        if (!word) { return; }
        if (CJK.test(word) && word.length > 2) {
          for (var i = 0; i + 1 < word.length; i++) { found.push(word.slice(i, i + 2)); }
        } else { found.push(word); }
      });
    }
    return found.filter(function (w, i) { return w.length > 0 && found.indexOf(w) === i; });
  }

  /* Word endings a search may ignore, per language, so that "Zählkammern" finds "Zählkammer" and
     "célula" finds "células". Matching is by substring, so a compound ("Zellzählkammer") is found
     from any of its parts. */
  var ENDINGS = {
    de: ["ungen", "ern", "en", "er", "es", "e", "n", "s"],
    en: ["ing", "es", "ed", "s"],
    es: ["es", "s", "a", "o"], pt: ["es", "s", "a", "o"], it: ["i", "e", "a", "o"],
    fr: ["es", "s", "e", "x"]
  };

  function stem(word, lang) {
    var endings = ENDINGS[(lang || "").slice(0, 2)] || [];
    for (var i = 0; i < endings.length; i++) {
      var ending = endings[i];
      if (word.length - ending.length >= 4 && word.slice(-ending.length) === ending) {
        return word.slice(0, -ending.length);
      }
    }
    return word;
  }

  function loadIndex(callback) {
    if (window.LK_SEARCH_INDEX) { callback(window.LK_SEARCH_INDEX); return; }
    var tag = el("script", { src: assets + "search-index.js" });
    tag.onload = function () { callback(window.LK_SEARCH_INDEX || []); };
    tag.onerror = function () { callback(null); };
    document.head.appendChild(tag);
  }

  function snippet(text, words) {
    var lower = normalise(text);
    var at = -1;
    words.forEach(function (w) { var i = lower.indexOf(w); if (i !== -1 && (at === -1 || i < at)) { at = i; } });
    var start = Math.max(0, at - 60);
    var piece = (start > 0 ? "… " : "") + text.slice(start, start + 200) + (text.length > start + 200 ? " …" : "");
    var fragment = document.createDocumentFragment();
    var lowerPiece = normalise(piece);
    var pos = 0;
    while (pos < piece.length) {
      var best = -1;
      var length = 0;
      words.forEach(function (w) {
        var i = lowerPiece.indexOf(w, pos);
        if (i !== -1 && (best === -1 || i < best)) { best = i; length = w.length; }
      });
      if (best === -1) { fragment.appendChild(document.createTextNode(piece.slice(pos))); break; }
      fragment.appendChild(document.createTextNode(piece.slice(pos, best)));
      fragment.appendChild(el("mark", null, piece.slice(best, best + length)));
      pos = best + length;
    }
    return fragment;
  }

  function search(index, query, lang) {
    lang = lang || document.documentElement.lang || "en";
    var words = queryWords(query, lang).map(function (w) { return stem(w, lang); });
    if (!words.length) { return { words: words, hits: [] }; }
    var hits = [];
    index.forEach(function (entry) {
      var text = entry.n || (entry.n = normalise(entry.x));
      var title = normalise(entry.t + " " + entry.s);
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        var inTitle = title.indexOf(w) !== -1;
        var count = 0;
        var at = text.indexOf(w);
        while (at !== -1 && count < 50) { count += 1; at = text.indexOf(w, at + w.length); }
        if (!inTitle && count === 0) { return; }
        score += count + (inTitle ? 10 : 0);
      }
      hits.push({ entry: entry, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return { words: words, hits: hits };
  }

  function searchPage() {
    var results = document.getElementById("search-results");
    if (!results) { return; }
    var status = document.getElementById("search-status");
    var input = document.getElementById("search-page-input");
    var query = new URLSearchParams(location.search).get("q") || "";
    input.value = query;
    document.getElementById("search-input").value = query;
    if (!query.trim()) { status.textContent = t("Type one or more words to search for."); return; }
    status.textContent = t("Searching…");
    loadIndex(function (index) {
      if (index === null) { status.textContent = t("The search index could not be loaded."); return; }
      var found = search(index, query);
      results.textContent = "";
      found.hits.slice(0, 100).forEach(function (hit) {
        var item = el("li", { "class": "search-result" });
        var link = el("a", { href: hit.entry.p }, hit.entry.t + (hit.entry.s && hit.entry.s !== hit.entry.t ? " › " + hit.entry.s : ""));
        var text = el("p");
        text.appendChild(snippet(hit.entry.x, found.words));
        item.appendChild(link);
        item.appendChild(text);
        results.appendChild(item);
      });
      var n = found.hits.length;
      status.textContent = n === 0 ? t("No results for “%(query)s”.", { query: query }) :
        t(n === 1 ? "%(count)s result for “%(query)s”." : "%(count)s results for “%(query)s”.", { count: n, query: query }) +
        (n > 100 ? " " + t("(showing the first 100)") : "");
    });
  }

  window.lessonkitSearch = search;

  /* ---- Light / dark / automatic theme, remembered in this browser ---- */
  function themeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) { return; }
    var order = ["auto", "light", "dark"];
    function current() {
      var stored = null;
      try { stored = localStorage.getItem("lessonkit-theme"); } catch (e) { stored = null; }
      return order.indexOf(stored) === -1 ? "auto" : stored;
    }
    function show(choice) {
      if (choice === "auto") { document.documentElement.removeAttribute("data-theme"); }
      else { document.documentElement.setAttribute("data-theme", choice); }
      button.textContent = button.getAttribute("data-label-" + choice);
      button.setAttribute("data-choice", choice);
    }
    show(current());
    button.addEventListener("click", function () {
      var next = order[(order.indexOf(current()) + 1) % order.length];
      try { localStorage.setItem("lessonkit-theme", next); } catch (e) { /* private mode: this page only */ }
      show(next);
    });
  }

  /* ---- Mermaid diagrams (the library is in assets/ only when the lesson has diagrams) ---- */
  function diagrams() {
    if (!window.mermaid || !document.querySelector("pre.mermaid")) { return; }
    var theme = document.documentElement.getAttribute("data-theme");
    var dark = theme === "dark" || (theme !== "light" && window.matchMedia &&
                                    window.matchMedia("(prefers-color-scheme: dark)").matches);
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
    window.mermaid.run({ querySelector: "pre.mermaid" });
  }

  /* ---- Expand or collapse every solution on the page ---- */
  function expandAll() {
    var button = document.querySelector(".expand-solutions");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll("details.collapsible").forEach(function (d) { d.open = open; });
      button.setAttribute("aria-pressed", open ? "true" : "false");
      button.textContent = button.getAttribute(open ? "data-label-collapse" : "data-label-expand");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    buildNav();
    sidebarToggle();
    buildTabs();
    printing();
    openTarget();
    searchPage();
    themeToggle();
    expandAll();
    diagrams();
  });
  window.addEventListener("hashchange", openTarget);
})();
