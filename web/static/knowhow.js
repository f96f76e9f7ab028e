/* Knowhow: time spent reading. On a content page (an element with data-dwell), send the seconds the page
   was visible with navigator.sendBeacon when it is hidden or left. Pages work without this file. */
(function () {
  "use strict";
  var page = document.querySelector("[data-dwell]");
  if (!page || !navigator.sendBeacon) return;
  var since = document.visibilityState === "visible" ? Date.now() : null;
  var seconds = 0;

  function send() {
    if (since !== null) { seconds += (Date.now() - since) / 1000; since = null; }
    if (seconds < 0.5) return;
    var body = new URLSearchParams();
    body.set("csrf_token", page.dataset.csrf || "");
    body.set("content_id", page.dataset.dwell);
    body.set("query_id", page.dataset.from || "");
    body.set("seconds", seconds.toFixed(1));
    navigator.sendBeacon("/events/dwell", body);
    seconds = 0;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { if (since === null) since = Date.now(); } else { send(); }
  });
  window.addEventListener("pagehide", send);
})();

/* Knowhow: the ask box. Its as-you-type request waits for a pause in typing (hx-trigger delay), so typing and
   pressing Enter at once submits the question and then, a moment later, fires the delayed request for the
   same question, whose unlogged results (no feedback controls, links without the query id) would replace
   the submitted ones. htmx asks htmx:confirm before every request: drop the as-you-type one for a question
   just submitted. Anything typed after that asks again. */
(function () {
  "use strict";
  var submitted = null;

  function question(input) { return input.value.replace(/\s+/g, " ").trim(); }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var box = elt.querySelector ? elt.querySelector("input[data-live-search]") : null;
    if (box) { submitted = question(box); return; }   // the form itself: a submitted question
    if (!elt.matches || !elt.matches("input[data-live-search]")) return;
    if (question(elt) === submitted) { event.preventDefault(); } else { submitted = null; }
  });
})();
