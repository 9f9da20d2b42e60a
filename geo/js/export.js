/* Partner Map image export: a "Save as image (PNG)" button on the map.
 *
 * A click draws the map as it is shown (every canvas and SVG layer, the legends, the
 * scale and place names; not the zoom buttons or this button) with html-to-image
 * (static/vendor/html-to-image, MIT), draws a header above it (title, sample-data label,
 * filters, date, sources) and downloads the whole as one PNG. Everything happens in the
 * browser from what is already on the page: nothing is fetched, so it works offline.
 * Map tiles (PARTNERMAP_TILES=osm) are images that html-to-image fetches again to put
 * them in the picture; one that cannot be fetched is left out (plain background).
 *
 * spec: {title, sample: text or null, lines: [...], sources: ["Source: ...", ...], fileName}. The texts
 * come from data (filters name partners): they are only ever drawn with fillText.
 *
 * Testing hook: the button carries data-state ("ready", "busy", "saved", "failed") and,
 * after a save, data-width / data-height / data-header (pixels of the PNG and of its
 * header).
 */
(function () {
  if (window.L === undefined || L.partnerImageExport) { return; }

  var PAD = 14, WIDTH_MIN = 480;
  // Stands in for an image that cannot be fetched again (OpenStreetMap tiles with no
  // internet): without it html-to-image gives up on the whole picture.
  var BLANK = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
  var FONT = "Helvetica, Arial, sans-serif";
  var LEFT_OUT = ["partner-export", "leaflet-control-zoom"];

  // `text` broken into lines no wider than `width` (a word too long for a line is cut).
  function wrap(ctx, text, width) {
    var out = [], line = "";
    String(text).split(/\s+/).forEach(function (word) {
      if (!word) { return; }
      var next = line ? line + " " + word : word;
      if (ctx.measureText(next).width <= width) { line = next; return; }
      if (line) { out.push(line); }
      while (ctx.measureText(word).width > width && word.length > 1) {
        var cut = word.length - 1;
        while (cut > 1 && ctx.measureText(word.slice(0, cut)).width > width) { cut--; }
        out.push(word.slice(0, cut));
        word = word.slice(cut);
      }
      line = word;
    });
    if (line) { out.push(line); }
    return out;
  }

  // The header as a list of drawing steps, and its height; `ctx` only measures.
  function layout(ctx, spec, width) {
    var steps = [], y = PAD, inner = width - 2 * PAD;
    function block(text, size, opts) {
      opts = opts || {};
      ctx.font = (opts.bold ? "bold " : "") + size + "px " + FONT;
      var lineHeight = Math.round(size * 1.35);
      wrap(ctx, text, inner - (opts.box ? 12 : 0)).forEach(function (line) {
        steps.push({text: line, font: ctx.font, color: opts.color || "#1a1a1a", x: PAD, y: y,
                    size: size, box: opts.box || null, height: lineHeight});
        y += lineHeight;
      });
      y += opts.after || 0;
    }
    block(spec.title || "", 20, {bold: true, after: 4});
    if (spec.sample) { block(spec.sample, 13, {bold: true, box: "#fff3cd", after: 6}); }
    (spec.lines || []).forEach(function (line) { block(line, 13, {color: "#333333"}); });
    if ((spec.sources || []).length) { y += 4; }
    (spec.sources || []).forEach(function (src) { block(src, 12, {color: "#555555"}); });
    return {steps: steps, height: y + PAD};
  }

  function drawHeader(ctx, head, width) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, head.height);
    ctx.textBaseline = "top";
    head.steps.forEach(function (s) {
      ctx.font = s.font;
      if (s.box) {
        ctx.fillStyle = s.box;
        ctx.fillRect(s.x - 2, s.y - 2, ctx.measureText(s.text).width + 12, s.height);
        ctx.fillStyle = s.color;
        ctx.fillText(s.text, s.x + 4, s.y + 1);
      } else {
        ctx.fillStyle = s.color;
        ctx.fillText(s.text, s.x, s.y + 1);
      }
    });
    ctx.fillStyle = "#ccccdd";
    ctx.fillRect(0, head.height - 1, width, 1);
  }

  function keep(node) {
    var cls = node.classList;
    return !cls || !LEFT_OUT.some(function (c) { return cls.contains(c); });
  }

  function download(blob, fileName) {
    var url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  // The PNG of `map` under the header of `spec`, as a Promise of {blob, width, height, header}.
  L.partnerMapImage = function (map, spec) {
    if (!window.htmlToImage) {
      return Promise.reject(new Error("html-to-image is not loaded (run scripts/setup.sh)"));
    }
    var box = map.getContainer();
    var ratio = Math.max(1, window.devicePixelRatio || 1);
    var background = box.style.background || window.getComputedStyle(box).backgroundColor || "#ffffff";
    map.closePopup();
    map.eachLayer(function (layer) { if (layer.closeTooltip) { layer.closeTooltip(); } });
    // Leaflet redraws its canvases on the next animation frame: let pending redraws run.
    return new Promise(function (resolve) { L.Util.requestAnimFrame(resolve); }).then(function () {
      return window.htmlToImage.toCanvas(box, {
        pixelRatio: ratio, skipFonts: true, backgroundColor: background, filter: keep, cacheBust: false,
        imagePlaceholder: BLANK
      });
    }).then(function (mapCanvas) {
      var cssWidth = Math.max(box.clientWidth, WIDTH_MIN);
      var measure = document.createElement("canvas").getContext("2d");
      var head = layout(measure, spec, cssWidth);
      var out = document.createElement("canvas");
      out.width = Math.round(cssWidth * ratio);
      out.height = Math.round(head.height * ratio) + mapCanvas.height;
      var ctx = out.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.save();
      ctx.scale(ratio, ratio);
      drawHeader(ctx, head, cssWidth);
      ctx.restore();
      ctx.drawImage(mapCanvas, 0, Math.round(head.height * ratio));
      return new Promise(function (resolve, reject) {
        out.toBlob(function (blob) {
          if (blob) {
            resolve({blob: blob, width: out.width, height: out.height, header: Math.round(head.height * ratio)});
          } else {
            reject(new Error("the browser could not encode the image"));
          }
        }, "image/png");
      });
    });
  };

  L.partnerImageExport = function (spec) {
    var control = L.control({position: "topright"});
    control.onAdd = function (map) {
      var button = L.DomUtil.create("button", "partner-export leaflet-bar");
      var label = "Save as image (PNG)";
      button.type = "button";
      button.textContent = label;
      button.title = "Download this map as a picture, with its title, filters, date and sources, " +
        "for a slide or a handout";
      button.style.cssText = "background:#fff;border:2px solid rgba(0,0,0,0.2);border-radius:4px;" +
        "padding:4px 8px;font:12px/1.3 sans-serif;cursor:pointer";
      button.setAttribute("data-state", "ready");
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.stop(e);
        if (button.disabled) { return; }
        button.disabled = true;
        button.setAttribute("data-state", "busy");
        button.textContent = "Preparing image…";
        L.partnerMapImage(map, spec).then(function (image) {
          download(image.blob, spec.fileName || "map.png");
          button.setAttribute("data-width", image.width);
          button.setAttribute("data-height", image.height);
          button.setAttribute("data-header", image.header);
          button.setAttribute("data-state", "saved");
          button.textContent = label;
        }, function (err) {
          button.setAttribute("data-state", "failed");
          button.textContent = "Could not make the image";
          button.title = String(err && err.message || err);
          if (window.console) { console.error("image export:", err); }
        }).then(function () { button.disabled = false; });
      });
      return button;
    };
    return control;
  };
})();
