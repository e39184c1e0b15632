package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/golivechat/livechat/identity"
)

// The single-page app at /app/: one HTML page whose script routes between
// /app/, /app/pricing and /app/privacy with history.pushState, signs its
// user in and out without a page load, and drives the chat through the
// widget's JavaScript API (README, "The JavaScript API").

// identityAudience is the "aud" of the app's identity tokens.
const identityAudience = "acme.example"

// identityKeyID names the key the app signs identity tokens with.
const identityKeyID = "demo"

// identityKey derives the demo's identity key from its secret; a real
// application keeps a key of its own.
func identityKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("identity"))
	return m.Sum(nil)
}

// identityVerifier is what the chat checks the app's tokens with.
func identityVerifier(secret []byte) *identity.Verifier {
	return &identity.Verifier{Keys: map[string][]byte{identityKeyID: identityKey(secret)}, Audience: identityAudience}
}

// appUserCookie is the app's own session: the signed-in user's name. A
// real application keeps a session on the server.
const appUserCookie = "demo_app_user"

// addApp serves the single-page app and its small account API: POST
// /app/login (form field name) signs in, POST /app/logout signs out, GET
// /app/me answers {"name", "token"} for the signed-in user, with an
// identity token minted for this page (identity.Mint), or {} for nobody.
func addApp(mux *http.ServeMux, secret []byte) {
	key := identityKey(secret)
	me := func(w http.ResponseWriter, name string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if name == "" {
			w.Write([]byte("{}\n"))
			return
		}
		token, err := identity.Mint(identityKeyID, key, identity.Claims{
			Subject: "app-" + strings.ToLower(strings.Join(strings.Fields(name), "-")), Name: name,
			Email: strings.ToLower(strings.Join(strings.Fields(name), ".")) + "@example.com", Audience: identityAudience,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"name": name, "token": token})
	}
	mux.HandleFunc("GET /app/{path...}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		appPage.Execute(w, nil)
	})
	mux.HandleFunc("GET /app/me", func(w http.ResponseWriter, r *http.Request) {
		name := ""
		if c, err := r.Cookie(appUserCookie); err == nil {
			name = c.Value
		}
		me(w, name)
	})
	mux.HandleFunc("POST /app/login", func(w http.ResponseWriter, r *http.Request) {
		name := strings.Join(strings.Fields(r.FormValue("name")), " ")
		if name == "" || len(name) > 60 || strings.ContainsAny(name, ";,\"\\") {
			http.Error(w, "a name of 1 to 60 characters, without ; , \" or \\", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: appUserCookie, Value: name, Path: "/app/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		me(w, name)
	})
	mux.HandleFunc("POST /app/logout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: appUserCookie, Path: "/app/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.WriteHeader(http.StatusNoContent)
	})
}

// appPage loads the widget with data-load="manual": it asks who is signed
// in first, so that the chat's first call already knows the user.
var appPage = template.Must(template.New("app").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme app</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem}nav a[aria-current]{font-weight:700}
section{border-top:1px solid #ddd;margin-top:1.5rem}button,input{font:inherit}
#events{font:13px/1.4 ui-monospace,monospace;max-height:12rem;overflow:auto}
</style>
</head><body>
<nav aria-label="App"><a href="/app/">Dashboard</a><a href="/app/pricing">Pricing</a><a href="/app/privacy">Privacy</a><a href="/">The website</a></nav>
<main><h1 id="title">Acme app</h1><p id="text"></p></main>
<section aria-labelledby="account-h">
<h2 id="account-h">Account</h2>
<p id="who" aria-live="polite">Signed out.</p>
<form id="login"><label>Name <input id="name" name="name" value="Sam Shopper" autocomplete="name"></label> <button>Sign in</button></form>
<button id="logout" type="button" hidden>Sign out</button>
</section>
<section aria-labelledby="chat-h">
<h2 id="chat-h">Chat</h2>
<p><button id="chat-open" type="button">Chat with us</button>
<button id="chat-launcher" type="button" aria-pressed="false">Hide the launcher</button>
Unread: <output id="unread">0</output></p>
<h3>Events</h3>
<ol id="events"></ol>
</section>
<script>
'use strict';
const $ = id => document.getElementById(id);
const pages = {
	'/app/': ['Dashboard', 'The support chat shows here.'],
	'/app/pricing': ['Pricing', 'The sales chat shows here: another chatflow, chosen again on every route change.'],
	'/app/privacy': ['Privacy', 'No chat on this page.'],
};

// The app's router: the widget sees history.pushState and popstate and
// asks again which chat the new route shows.
function route() {
	const [title, text] = pages[location.pathname] || ['Not found', ''];
	$('title').textContent = title;
	$('text').textContent = text;
	document.title = title + ' · Acme app';
	for (const a of document.querySelectorAll('nav a')) {
		if (a.pathname === location.pathname) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
	}
}
document.querySelector('nav').addEventListener('click', e => {
	const a = e.target.closest('a');
	if (!a || !a.pathname.startsWith('/app/') || e.metaKey || e.ctrlKey || e.shiftKey) return;
	e.preventDefault();
	history.pushState(null, '', a.href);
	route();
});
addEventListener('popstate', route);
route();

function log(name, data) {
	const li = document.createElement('li');
	li.textContent = name + (data === undefined ? '' : ' ' + JSON.stringify(data));
	$('events').append(li);
	$('events').scrollTop = $('events').scrollHeight;
}

function signedIn(name) {
	$('who').textContent = name ? 'Signed in as ' + name + '.' : 'Signed out.';
	$('login').hidden = !!name;
	$('logout').hidden = !name;
}

// chatReady runs once widget.js has run (its script tag's onload).
async function chatReady() {
	for (const name of ['ready', 'open', 'close', 'unreadChanged', 'message', 'conversationStarted', 'conversationClosed']) {
		LiveChat.on(name, d => log(name, name === 'message' ? {sender: d.sender, text: d.text} : d));
	}
	LiveChat.on('unreadChanged', d => { $('unread').value = d.unread; });
	$('chat-open').onclick = () => LiveChat.open();
	$('chat-launcher').onclick = e => {
		const hide = e.target.getAttribute('aria-pressed') !== 'true';
		if (hide) LiveChat.hide(); else LiveChat.show();
		e.target.setAttribute('aria-pressed', hide);
		e.target.textContent = hide ? 'Show the launcher' : 'Hide the launcher';
	};
	// Signed in already (a reload)? Tell the chat before it loads.
	const me = await fetch('/app/me').then(r => r.json()).catch(() => ({}));
	signedIn(me.name);
	if (me.token) LiveChat.identify(me.token);
	LiveChat.load();
}

$('login').onsubmit = async e => {
	e.preventDefault();
	const r = await fetch('/app/login', {method: 'POST', body: new URLSearchParams({name: $('name').value})});
	if (!r.ok) { $('who').textContent = await r.text(); return; }
	const me = await r.json();
	signedIn(me.name);
	// The same visitor on every device, without a page load.
	LiveChat.identify(me.token);
};
$('logout').onclick = async () => {
	await fetch('/app/logout', {method: 'POST'});
	signedIn('');
	// The next person at this computer sees none of this chat.
	LiveChat.clear();
};
</script>
<script src="/livechat/widget.js" data-load="manual" async onload="chatReady()"></script>
</body></html>
`))
