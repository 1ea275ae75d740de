// When the QR image does not load, hide it and show the note pointing at the address below
// (a script file rather than an onerror attribute, which a strict Content-Security-Policy
// blocks). Served at django-otp's own path, otp_totp/js/qrcode.js, for the same markup
// (#qrcode, #no-qrcode, .qrcode-image), so either app's copy fits either config page.
document.addEventListener("DOMContentLoaded", function () {
  var image = document.querySelector(".qrcode-image");
  if (!image) { return; }
  function missing() {
    var shown = document.getElementById("qrcode"), note = document.getElementById("no-qrcode");
    if (shown) { shown.classList.add("qrcode-hidden"); }
    if (note) { note.classList.remove("qrcode-hidden"); }
  }
  if (image.complete && image.naturalWidth === 0) { missing(); }
  image.addEventListener("error", missing);
});
