// dl-autograder portal: small enhancements only; every page works without this script.
// - [data-poll]: poll a status URL while a grading (or a bundle's validation) is pending, then
//   reload the page to show the result (without JavaScript, a <noscript> refresh does the same);
// - [data-dropzone]: drop files on the submission form's zone (fills its file input);
// - form[data-busy]: say that a long upload is being processed;
// - time[data-local]: a UTC time shown in the viewer's time zone (without JS: UTC).
(function () {
  "use strict";

  function poll(box) {
    var url = box.getAttribute("data-poll");
    var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
    var text = box.querySelector("[data-status-text]");
    var waiting = box.querySelector("[data-waiting]");
    var labels = { queued: "Waiting in the queue", running: "Grading" };
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (body) {
          if (body.status === "queued" || body.status === "running") {
            if (text) {
              text.textContent = body.total !== undefined ?
                "Grading… " + body.done + " of " + body.total + " done" :
                (body.stage && body.status === "running" ? body.stage :
                 labels[body.status]) + "…";
            }
            if (waiting) { waiting.textContent = body.waiting ? "(" + body.waiting + ")" : ""; }
            setTimeout(tick, every);
          } else {
            if (text) { text.textContent = "Done; loading the result…"; }
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(tick, every * 4); });
    }
    setTimeout(tick, every);
  }

  function dropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    var chosen = zone.querySelector("[data-chosen]");
    function show() {
      var names = [];
      for (var i = 0; i < input.files.length; i++) { names.push(input.files[i].name); }
      chosen.textContent = names.length ? "Selected: " + names.join(", ") : "";
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
  }

  function localTime(el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) { return; }
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    el.title = el.textContent;
    el.textContent = d.toLocaleString(undefined, {
      weekday: "short", year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    if (zone) { el.setAttribute("data-zone", zone); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("time[data-local]"), localTime);
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), poll);
    Array.prototype.forEach.call(document.querySelectorAll("[data-dropzone]"), dropzone);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (f) {
      f.addEventListener("submit", function () {
        var b = f.querySelector("button[type=submit]");
        if (b) { b.disabled = true; b.textContent = f.getAttribute("data-busy"); }
      });
    });
  });
})();
