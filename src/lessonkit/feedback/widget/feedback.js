/* lessonkit feedback widget: rate an episode and comment on one of its sections.
 *
 * Markup contract (inserted by `lessonkit build` when config.yaml sets feedback_url):
 *   <aside id="lessonkit-feedback" class="lk-feedback" data-endpoint="http://host:port"
 *          data-lesson="LESSON" data-page="EPISODE-SLUG" data-page-title="TITLE"></aside>
 *
 * Plain JavaScript, no framework, no remote assets. Submissions that cannot be
 * delivered (service unreachable, busy or rate-limited) are kept in localStorage
 * with their client id and sent again later; the service stores each client id
 * once, so a retry never duplicates a comment.
 *
 * Retries are bounded: after a failure the widget tries again by itself with an
 * exponential backoff (RETRY_BASE_MS doubling, at most RETRY_MAX_MS, or the
 * service's Retry-After when it is longer), at most MAX_AUTO_RETRIES times per
 * page view; then it waits for "Retry sending", another page of the lesson, or
 * the browser coming back online.
 */
(function () {
  "use strict";

  var PENDING_KEY = "lessonkit-feedback:pending:v1";
  var DRAFT_PREFIX = "lessonkit-feedback:draft:v1:";
  var MAX_COMMENT = 4000;
  var TIMEOUT_MS = 10000;
  var RETRY_BASE_MS = 5000;
  var RETRY_MAX_MS = 120000;
  var MAX_AUTO_RETRIES = 5;
  /* Interface strings in the page's language (assets/strings-LANG.js, written by lessonkit build). */
  function tr(message, values) {
    var text = (window.LK_STRINGS && window.LK_STRINGS[message]) || message;
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return values && name in values ? values[name] : all; });
  }
  var RATINGS = [tr("1 – not useful"), "2", "3", "4", tr("5 – very useful")];

  function storage() {
    try {
      var s = window.localStorage;
      var probe = "lessonkit-feedback:probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;
    }
  }

  function readPending(store) {
    if (!store) return [];
    try {
      var list = JSON.parse(store.getItem(PENDING_KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function writePending(store, list) {
    if (!store) return false;
    try {
      if (list.length) store.setItem(PENDING_KEY, JSON.stringify(list));
      else store.removeItem(PENDING_KEY);
      return true;
    } catch (e) {
      return false;
    }
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Send one payload. Resolves to {ok, keep, message}: keep=true means "try again later".
  function send(endpoint, payload) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(endpoint.replace(/\/+$/, "") + "/api/v1/feedback", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      if (response.ok) return { ok: true };
      var retryAfter = parseInt(response.headers.get("Retry-After") || "", 10);
      return response.json().catch(function () { return {}; }).then(function (body) {
        var message = (body && body.error) || tr("The feedback service answered %(status)s.", { status: response.status });
        var keep = response.status === 429 || response.status === 408 || response.status >= 500;
        return { ok: false, keep: keep, message: message, retryAfter: isNaN(retryAfter) ? 0 : retryAfter };
      });
    }, function () {
      if (timer) clearTimeout(timer);
      return { ok: false, keep: true, unreachable: true };
    });
  }

  function init(box) {
    if (box.getAttribute("data-lk-ready")) return;
    box.setAttribute("data-lk-ready", "1");
    var endpoint = box.getAttribute("data-endpoint") || "";
    var lesson = box.getAttribute("data-lesson") || "";
    var page = box.getAttribute("data-page") || "";
    var pageTitle = box.getAttribute("data-page-title") || document.title;
    var store = storage();
    var uid = "lk-fb-" + Math.random().toString(36).slice(2, 8);
    var draftKey = DRAFT_PREFIX + lesson + "/" + page;

    var heading = el("h2", { id: uid + "-heading", "class": "lk-feedback__title" }, tr("Feedback on this page"));
    box.setAttribute("aria-labelledby", uid + "-heading");
    var form = el("form", { "class": "lk-feedback__form", novalidate: "" });

    var rating = el("fieldset", { "class": "lk-feedback__rating" });
    rating.appendChild(el("legend", null, tr("How useful was this page?")));
    RATINGS.forEach(function (label, i) {
      var id = uid + "-r" + (i + 1);
      var wrap = el("span", { "class": "lk-feedback__choice" });
      var input = el("input", { type: "radio", name: "rating", value: String(i + 1), id: id });
      wrap.appendChild(input);
      wrap.appendChild(el("label", { "for": id }, label));
      rating.appendChild(wrap);
    });
    form.appendChild(rating);

    var sectionLabel = el("label", { "for": uid + "-section" }, tr("Which part of the page is this about?"));
    var section = el("select", { id: uid + "-section", name: "section" });
    section.appendChild(el("option", { value: "" }, tr("The whole page")));
    var headings = document.querySelectorAll("main h2[id]");
    for (var i = 0; i < headings.length; i++) {
      if (box.contains(headings[i])) continue;
      var text = (headings[i].textContent || "").replace(/\s+/g, " ").trim();
      if (!text) continue;
      section.appendChild(el("option", { value: headings[i].id }, text));
    }
    form.appendChild(sectionLabel);
    form.appendChild(section);

    var commentLabel = el("label", { "for": uid + "-comment" }, tr("Comment (optional)"));
    var comment = el("textarea", { id: uid + "-comment", name: "comment", rows: "4", maxlength: String(MAX_COMMENT),
                                   "aria-describedby": uid + "-count" });
    var count = el("p", { id: uid + "-count", "class": "lk-feedback__count" }, "");
    form.appendChild(commentLabel);
    form.appendChild(comment);
    form.appendChild(count);

    var buttons = el("div", { "class": "lk-feedback__buttons" });
    var submit = el("button", { type: "submit", "class": "lk-feedback__send" }, tr("Send feedback"));
    var retry = el("button", { type: "button", "class": "lk-feedback__retry", hidden: "" }, tr("Retry sending"));
    buttons.appendChild(submit);
    buttons.appendChild(retry);
    form.appendChild(buttons);

    var status = el("p", { "class": "lk-feedback__status", role: "status", "aria-live": "polite" }, "");
    box.textContent = "";
    box.appendChild(heading);
    box.appendChild(form);
    box.appendChild(status);

    function say(message, kind) {
      status.textContent = message;
      status.setAttribute("data-kind", kind || "");
    }

    function updateCount() {
      count.textContent = comment.value.length + " / " + MAX_COMMENT + " characters";
    }

    if (store) {
      try { comment.value = store.getItem(draftKey) || ""; } catch (e) { /* ignore */ }
    }
    updateCount();
    comment.addEventListener("input", function () {
      updateCount();
      if (store) {
        try {
          if (comment.value) store.setItem(draftKey, comment.value);
          else store.removeItem(draftKey);
        } catch (e) { /* storage full: the text is still in the box */ }
      }
    });

    function mine(item) { return item.endpoint === endpoint; }

    function showPending() {
      var waiting = readPending(store).filter(mine).length;
      retry.hidden = waiting === 0;
      return waiting;
    }

    // Send every kept submission for this service, oldest first.
    function flush() {
      var list = readPending(store);
      var todo = list.filter(mine);
      if (!todo.length) return Promise.resolve({ sent: 0, left: 0, unreachable: false });
      var sent = 0, unreachable = false, failed = null, stopped = false, retryAfter = 0;
      var chain = Promise.resolve();
      todo.forEach(function (item) {
        chain = chain.then(function () {
          if (stopped) return;
          return send(endpoint, item.payload).then(function (result) {
            if (result.ok || !result.keep) {
              var now = readPending(store).filter(function (other) {
                return other.payload.client_id !== item.payload.client_id;
              });
              writePending(store, now);
              if (result.ok) sent++;
              else failed = result.message;
            } else {
              // Unreachable, busy or rate-limited: the rest waits for the next try.
              stopped = true;
              unreachable = !!result.unreachable;
              retryAfter = result.retryAfter || 0;
            }
          });
        });
      });
      return chain.then(function () {
        return { sent: sent, left: showPending(), unreachable: unreachable, failed: failed, retryAfter: retryAfter };
      });
    }

    // Automatic retries: exponential backoff, capped in delay and in number per page view.
    var autoRetries = 0, retryTimer = null;

    function cancelRetry() {
      if (retryTimer !== null) { clearTimeout(retryTimer); retryTimer = null; }
    }

    function scheduleRetry(retryAfterSeconds) {
      cancelRetry();
      if (autoRetries >= MAX_AUTO_RETRIES) return "";
      var delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * Math.pow(2, autoRetries));
      delay = Math.min(RETRY_MAX_MS, Math.max(delay, (retryAfterSeconds || 0) * 1000));
      autoRetries++;
      retryTimer = setTimeout(function () {
        retryTimer = null;
        flush().then(report);
      }, delay);
      return " " + tr("Trying again in %(seconds)s s (attempt %(attempt)s of %(attempts)s).",
                     { seconds: Math.round(delay / 1000), attempt: autoRetries, attempts: MAX_AUTO_RETRIES });
    }

    function report(result) {
      if (result.left === 0 && result.sent > 0) {
        cancelRetry();
        say(tr("Thank you! Your feedback was sent."), "ok");
      } else if (result.left > 0) {
        say((result.unreachable ? tr("The feedback service cannot be reached right now. ") : tr("The feedback service is busy. "))
            + (result.left === 1 ? tr("Your feedback is") : tr("%(count)s comments are", { count: result.left }))
            + " " + tr("kept in this browser: press “Retry sending” to try again.") + scheduleRetry(result.retryAfter), "error");
      } else if (result.failed) {
        say(result.failed, "error");
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[name=rating]:checked");
      var text = comment.value.trim();
      if (!chosen && !text) {
        say(tr("Choose a rating or write a comment first."), "error");
        return;
      }
      var option = section.options[section.selectedIndex];
      var payload = {
        client_id: newClientId(),
        lesson: lesson,
        page: page,
        page_title: pageTitle,
        section: section.value,
        section_title: section.value ? option.textContent : "",
        rating: chosen ? Number(chosen.value) : null,
        comment: text
      };
      submit.disabled = true;
      say(tr("Sending…"), "");
      send(endpoint, payload).then(function (result) {
        submit.disabled = false;
        if (result.ok) {
          form.reset();
          if (store) { try { store.removeItem(draftKey); } catch (e) { /* ignore */ } }
          updateCount();
          say(tr("Thank you! Your feedback was sent."), "ok");
          return;
        }
        if (!result.keep) {
          say(result.message, "error");
          return;
        }
        var list = readPending(store);
        list.push({ endpoint: endpoint, payload: payload, saved: new Date().toISOString() });
        var kept = writePending(store, list);
        if (kept) {
          form.reset();
          if (store) { try { store.removeItem(draftKey); } catch (e) { /* ignore */ } }
          updateCount();
        }
        showPending();
        say((result.unreachable ? tr("The feedback service cannot be reached right now. ")
                                : tr("The feedback service is busy (%(message)s). ", { message: result.message }))
            + (kept ? tr("Your feedback is kept in this browser: press “Retry sending” to try again.")
                      + scheduleRetry(result.retryAfter)
                    : tr("Your text is still in the box: try again later.")), "error");
      });
    });

    retry.addEventListener("click", function () {
      cancelRetry();
      autoRetries = 0;  // a person asked: the automatic retries start over
      retry.disabled = true;
      say(tr("Sending…"), "");
      flush().then(function (result) {
        retry.disabled = false;
        report(result);
      });
    });

    if (showPending() > 0) {
      flush().then(report);
    }
    window.addEventListener("online", function () {
      if (showPending() > 0) flush().then(report);
    });
  }

  function start() {
    var boxes = document.querySelectorAll(".lk-feedback[data-endpoint]");
    for (var i = 0; i < boxes.length; i++) init(boxes[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
