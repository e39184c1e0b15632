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
//	inbox/panel.js    the inbox's side panel beside the open conversation
//	inbox/panel.css   its styles
//	inbox/replies.js  the inbox's saved replies: the composer's "/" picker and their management
//	inbox/transfer.js the inbox's transfer of a conversation to a colleague or a team
//	inbox/filters.js  the inbox list's filters and search
//	inbox/states.js   the inbox thread's status actions: pending, snooze, close, reopen
//	inbox/chatflows.html  the chatflow editor page, served at <mount>inbox/chatflows
//	inbox/editor.js   the editor's shell (window.LCEditor); its tabs' scripts sit beside it
//	inbox/editor.css  the editor's styles
//	inbox/target.js   the editor's Target tab
//	inbox/hours.js    the editor's Availability tab
//	inbox/team.html   the team settings page, served at <mount>inbox/team
//	inbox/team.js     its script
//	inbox/team.css    its styles
//
// Every .html, .js and .css file in inbox/ is embedded.
//
// Serve it with http.FileServerFS or read single files with fs.ReadFile.
//
//go:embed widget.js widget.css chat.js chat.css inbox/*.html inbox/*.js inbox/*.css
var Files embed.FS
