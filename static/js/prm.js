// Behaviour for the portal's pages, kept out of the HTML for the Content-Security-Policy.
(function () {
  "use strict";

  // <button data-confirm="Question?"> asks before its form is submitted.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-confirm]");
    if (trigger && !window.confirm(trigger.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
