/* Shrinking a camera photo on the device before it is uploaded.
 *
 * A tablet's camera takes 12-megapixel photos of 3–6 MB; a village on a weak mobile signal should
 * not have to send that. `FqPhotos.shrink(file)` resolves to a JPEG no longer than `maxSide`
 * pixels on its long side (orientation applied), named after the original with a .jpg ending;
 * anything that is not a photo (a PDF), or is already small, comes back unchanged.
 * Used by the case page's attachment form and by the offline filing page.
 */
(function () {
  "use strict";

  var DEFAULTS = { maxSide: 2048, quality: 0.82, keepBelowBytes: 400 * 1024 };
  var SHRINKABLE = /^image\/(jpeg|png|webp|heic|heif)$/;

  function jpegName(name) {
    var base = (name || "photo").replace(/\.[^.\/\\]{1,5}$/, "");
    return base + ".jpg";
  }

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("undecodable image")); };
      img.src = url;
    });
  }

  function toBlob(canvas, quality) {
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: quality });
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function shrink(file, options) {
    var o = Object.assign({}, DEFAULTS, options || {});
    if (!file || !SHRINKABLE.test(file.type)) return Promise.resolve(file);
    return decode(file).then(function (image) {
      var width = image.width, height = image.height;
      var scale = Math.min(1, o.maxSide / Math.max(width, height));
      if (scale === 1 && file.size <= o.keepBelowBytes) return file;
      var w = Math.max(1, Math.round(width * scale)), h = Math.max(1, Math.round(height * scale));
      var canvas = window.OffscreenCanvas ? new OffscreenCanvas(w, h) : Object.assign(document.createElement("canvas"), { width: w, height: h });
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG becomes white, not black, as a JPEG
      context.fillRect(0, 0, w, h);
      context.drawImage(image, 0, 0, w, h);
      if (image.close) image.close();
      return toBlob(canvas, o.quality).then(function (blob) {
        if (!blob || blob.size >= file.size) return file;  // never send more than the original
        return new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: file.lastModified });
      });
    }).catch(function () { return file; });  // an image the browser cannot decode goes as it is
  }

  window.FqPhotos = { shrink: shrink, DEFAULTS: DEFAULTS };
})();
