// Copy buttons beside read-only fields (a new subscription address). Progressive
// enhancement: without JavaScript the buttons stay hidden and the fields are plain text.
// The button's data-copied holds the translated "Copied" label.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.dataset.copy);
  var label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", function () {
    field.select();
    var done = function () {
      button.textContent = button.dataset.copied || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
