/* The demo Mini: silent login and explicit authorization, showing what the SDK returns. */
(function () {
  "use strict";
  var out = document.getElementById("result");
  var key = document.body.getAttribute("data-client-key");
  TTMinis.init({ clientKey: key });
  function show(label) {
    return function (value) { out.textContent = label + " " + JSON.stringify(value, null, 2); };
  }
  document.getElementById("silent").addEventListener("click", function () {
    TTMinis.login({ success: show("login success"), fail: show("login fail") });
  });
  document.getElementById("explicit").addEventListener("click", function () {
    TTMinis.authorize({ scope: "user.info.basic", success: show("authorize success"),
                        fail: show("authorize fail") });
  });
})();
