// Customers' public pages: tell the server a person used this page (postsale/lib/scanners.py).
// Once this runs, every form's "interaction" field says "none" until a real (trusted) pointer,
// touch, key or click comes from the person; a scanner that renders the page and submits its
// form by script produces none. Without this script the field stays empty and decides nothing.
(function () {
  "use strict";
  var fields = document.querySelectorAll('input[name="interaction"]');
  if (!fields.length) { return; }
  var seen = false;
  var i;
  for (i = 0; i < fields.length; i += 1) { fields[i].value = "none"; }
  function interacted(event) {
    if (seen || !event.isTrusted) { return; }
    seen = true;
    for (var j = 0; j < fields.length; j += 1) { fields[j].value = event.type; }
  }
  ["pointerdown", "mousedown", "touchstart", "keydown", "click", "input"].forEach(function (type) {
    document.addEventListener(type, interacted, { capture: true, passive: true });
  });
}());
