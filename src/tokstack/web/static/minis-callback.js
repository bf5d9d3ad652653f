/* Hands the authorization result to the Mini that opened this popup, then closes. */
(function () {
  "use strict";
  var q = new URLSearchParams(window.location.search);
  var message = { source: "tokstack-minis", code: q.get("code"), scopes: q.get("scopes"),
                  state: q.get("state"), error: q.get("error") };
  if (window.opener) {
    window.opener.postMessage(message, window.location.origin);
    window.close();
  } else {
    document.getElementById("result").textContent = JSON.stringify(message, null, 2);
  }
})();
