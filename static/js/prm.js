// Behaviour for the portal's pages, kept out of the HTML for the Content-Security-Policy.
(function () {
  "use strict";

  // <button data-confirm="Question?"> asks before its form is submitted. With
  // data-confirm-by="op", a data-confirm-<value> attribute asks instead when the form's "op"
  // field has that value (an irreversible action among reversible ones).
  function question(trigger) {
    var by = trigger.getAttribute("data-confirm-by");
    var field = by && trigger.form ? trigger.form.elements[by] : null;
    var specific = field ? trigger.getAttribute("data-confirm-" + field.value) : null;
    return specific || trigger.getAttribute("data-confirm");
  }

  // On a phone the main menu folds behind the "Menu" button.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menutoggle");
    if (!toggle) return;
    var open = toggle.closest(".topbar").classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-confirm]");
    if (trigger && !window.confirm(question(trigger))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
