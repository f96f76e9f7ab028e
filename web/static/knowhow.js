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
