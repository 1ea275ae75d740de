// When the QR image does not load, say so and point at the address below it (a script
// file rather than an onerror attribute, which a strict Content-Security-Policy blocks).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".otp-native-config").forEach(function (page) {
    var image = page.querySelector(".otp-native-qrcode");
    function missing() { page.classList.add("otp-native-no-image"); }
    if (!image) { return; }
    if (image.complete && image.naturalWidth === 0) { missing(); }
    image.addEventListener("error", missing);
  });
});
