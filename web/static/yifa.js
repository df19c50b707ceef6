// yifa 依法 — the only script; no inline scripts anywhere (the Content-Security-Policy forbids them).
// <button data-confirm="确定吗？/ Sure?"> asks before submitting its form.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
