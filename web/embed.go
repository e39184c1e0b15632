package web

import "embed"

// Files holds the browser assets, at these paths:
//
//	widget.js         the visitor widget's launcher, included by host pages
//	widget.css        its styles, loaded by widget.js from beside itself
//	chat.js           the chat itself, loaded by widget.js on the first open
//	chat.css          its styles, loaded with it
//	inbox/index.html  the agent inbox page, served at <mount>inbox/
//	inbox/inbox.js    the inbox script
//	inbox/inbox.css   the inbox styles
//
// Serve it with http.FileServerFS or read single files with fs.ReadFile.
//
//go:embed widget.js widget.css chat.js chat.css inbox/index.html inbox/inbox.js inbox/inbox.css
var Files embed.FS
