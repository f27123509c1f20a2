// The print button of the agreement page (a script file: the Content-Security-Policy allows no inline handler).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
