// dl-autograder portal: small enhancements only; every page works without this script.
// - [data-poll]: poll a status URL while a grading (or a bundle's validation) is pending, then
//   reload the page to show the result (without JavaScript, a <noscript> refresh does the same);
// - [data-dropzone]: drop files on the submission form's zone (fills its file input);
// - form[data-busy]: say that a long upload is being processed.
(function () {
  "use strict";

  function poll(box) {
    var url = box.getAttribute("data-poll");
    var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
    var text = box.querySelector("[data-status-text]");
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

  document.addEventListener("DOMContentLoaded", function () {
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
