package wechat

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"

	"acconsole/i18n"
)

// PathPage is the minimal H5 page of the seed's message push: opened with
// ?openid=…&token=… (the backend that serves WeChat's OAuth redirects
// there with a token from /ws-token), it holds the alert channel open and
// shows each alert about the user's devices as it arrives.
const PathPage = "/page"

// The page holds no secret: it reads the OpenID and the token from its own
// URL, and the token is what the channel checks. Alerts are written with
// textContent, never as HTML, since their text comes from devices and
// cloud services. The words come translated from the server (pageTexts);
// %NAME% marks where the script puts a value, all marks in one pass so that
// a value that happens to contain a mark is never read again.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style nonce="{{.Nonce}}">
body { font-family: sans-serif; margin: 1em; }
#state { color: #555; }
.alert { border: 1px solid #c00; border-radius: 4px; padding: .5em; margin: .5em 0; }
.alert .device { color: #555; font-size: smaller; }
.alert .content { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p id="state">{{.Connecting}}</p>
<div id="alerts"></div>
<script nonce="{{.Nonce}}">
(function () {
  var text = {connected: {{.Connected}}, disconnected: {{.Disconnected}}, meta: {{.Meta}}};
  function fill(s, v) { return s.replace(/%([A-Z]+)%/g, function (m, k) { return k in v ? (v[k] == null ? "" : String(v[k])) : m; }); }
  var q = new URLSearchParams(location.search);
  var state = document.getElementById("state");
  var list = document.getElementById("alerts");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + location.host + "{{.WS}}?openid=" + encodeURIComponent(q.get("openid") || "") +
    "&token=" + encodeURIComponent(q.get("token") || "");
  var ws = new WebSocket(url);
  ws.onopen = function () { state.textContent = text.connected; };
  ws.onclose = function (e) { state.textContent = fill(text.disconnected, {CODE: e.code}); };
  ws.onmessage = function (e) {
    var a;
    try { a = JSON.parse(e.data); } catch (err) { return; }
    if (a.type !== "alert") { return; }
    var box = document.createElement("div");
    box.className = "alert";
    [["title", a.title], ["content", a.content],
     ["device", fill(text.meta, {SUB: a.subDomain, DEVICE: a.physicalDeviceId, LEVEL: a.level, TIME: a.timeText || a.time})]].forEach(function (f) {
      var el = document.createElement("div");
      el.className = f[0];
      el.textContent = f[1] || "";
      box.appendChild(el);
    });
    list.insertBefore(box, list.firstChild);
  };
})();
</script>
</body>
</html>
`))

// pageTexts are the page's words in one language; the JavaScript fills
// the %NAME% marks of Disconnected and Meta.
type pageTexts struct {
	Nonce, WS, Lang                                  string
	Title, Connecting, Connected, Disconnected, Meta string
}

func newPageTexts(tr *i18n.Translator) pageTexts {
	return pageTexts{
		WS: PathWS, Lang: string(tr.Lang()),
		Title:        tr.T("wechat.page.title"),
		Connecting:   tr.T("wechat.page.connecting"),
		Connected:    tr.T("wechat.page.connected"),
		Disconnected: tr.T("wechat.page.disconnected", "Code", "%CODE%"),
		Meta: tr.T("wechat.page.alert_meta", "SubDomain", "%SUB%", "Device", "%DEVICE%",
			"Level", "%LEVEL%", "Time", "%TIME%"),
	}
}

// PageHandler serves the H5 page in lang's words ("" is Chinese, as for
// the Bridge).
func PageHandler(lang i18n.Lang) http.HandlerFunc {
	if lang == "" {
		lang = i18n.Chinese
	}
	texts := newPageTexts(i18n.For(lang))
	return func(w http.ResponseWriter, r *http.Request) { servePage(w, r, texts) }
}

func servePage(w http.ResponseWriter, r *http.Request, texts pageTexts) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GET the page", http.StatusMethodNotAllowed)
		return
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw) // crypto/rand.Read does not fail
	nonce := base64.StdEncoding.EncodeToString(raw)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL carries the token
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; connect-src 'self'")
	texts.Nonce = nonce
	_ = pageTmpl.Execute(w, texts)
}
