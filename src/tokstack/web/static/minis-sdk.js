/* tokstack's stand-in for TikTok's Minis SDK: TTMinis.init, TTMinis.login, TTMinis.authorize.
 * A Mini loads it with <script src="{tokstack}/minis/sdk.js"></script>. Codes come back from
 * tokstack (silent login over fetch, explicit authorization in a popup) and the Mini's backend
 * exchanges them at /v2/oauth/token/ without redirect_uri or code_verifier. */
(function (global) {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : global.location.origin;
  var clientKey = null;

  function error(code, msg) { return { error_code: code, error_msg: msg, error_extra: {} }; }

  // Both call styles: login(cb) -> cb({authResponse}|{error}); login({success, fail, complete}).
  function deliver(target, result) {
    if (typeof target === "function") { target(result); return; }
    target = target || {};
    if (result.error) { if (target.fail) target.fail(result.error); }
    else if (target.success) {
      target.success({ code: result.authResponse.code,
                       grantedScopes: result.authResponse.grantedScopes });
    }
    if (target.complete) target.complete();
  }

  function popup(scope) {
    return new Promise(function (resolve) {
      var state = Math.random().toString(36).slice(2) + Date.now().toString(36);
      var url = base + "/v2/auth/authorize/?" + new URLSearchParams({
        client_key: clientKey, scope: scope, response_type: "code", state: state,
        redirect_uri: base + "/minis/callback/"
      }).toString();
      var win = global.open(url, "ttminis_auth", "width=480,height=720");
      if (!win) { resolve({ error: error(10003, "popup blocked") }); return; }
      function onMessage(event) {
        var data = event.data || {};
        if (event.origin !== base || data.source !== "tokstack-minis" || data.state !== state) return;
        global.removeEventListener("message", onMessage);
        if (data.error) { resolve({ error: error(10002, data.error) }); return; }
        resolve({ authResponse: { code: data.code, grantedScopes: data.scopes } });
      }
      global.addEventListener("message", onMessage);
    });
  }

  global.TTMinis = {
    init: function (options) { clientKey = (options || {}).clientKey || null; },
    login: function (target) {
      if (!clientKey) { deliver(target, { error: error(10000, "call TTMinis.init first") }); return; }
      fetch(base + "/minis/login", {
        method: "POST", credentials: "include",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ client_key: clientKey })
      }).then(function (r) { return r.json(); }).then(function (body) {
        if (body.code) {
          deliver(target, { authResponse: { code: body.code, grantedScopes: body.scopes } });
        } else {
          popup("user.info.open_id").then(function (r) { deliver(target, r); });
        }
      }).catch(function (e) { deliver(target, { error: error(10001, String(e)) }); });
    },
    authorize: function (options) {
      options = options || {};
      if (!clientKey) { deliver(options, { error: error(10000, "call TTMinis.init first") }); return; }
      popup(options.scope || "user.info.basic").then(function (r) { deliver(options, r); });
    }
  };
})(window);
