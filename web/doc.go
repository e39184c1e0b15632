// Package web holds the browser side of golivechat: the visitor widget
// (widget.js and widget.css, the launcher every page view loads; chat.js
// and chat.css, the chat it loads on demand), the agent inbox
// (inbox/index.html, inbox/inbox.js and inbox/inbox.css) and the chatflow
// editor (inbox/chatflows.html, its shell inbox/editor.js with
// inbox/editor.css, and one script per group of tabs beside them).
//
// The files are plain JavaScript and CSS with no framework and no build
// step, embedded in the binary through [Files], and they make no request to
// any origin but the one that serves them. The root livechat package serves
// them under the prefix where the host mounts its Handler, without their
// comments and indentation and gzip-compressed, so that a page only needs
//
//	<script src="/livechat/widget.js" async></script>
//
// widget.js finds the prefix from its own script URL, loads widget.css
// from beside it, asks the config call what to show and shows the
// launcher: the chatflow's accent colour, the welcome prompt, the triggers
// (exit intent, seconds on page, percent scrolled; desktop and mobile
// behaviour) and the unread badge, or nothing where targeting or
// availability say so. On the first open or trigger, or at once for a
// visitor with an open conversation, it loads chat.js and chat.css from beside
// itself (script and link elements, no inline code or style) and the chat
// call's settings; chat.js builds the window and speaks the rest of the
// visitor endpoints of PROTOCOL.md. For a visitor whose latest
// conversation is closed, the config answer counts its unread messages for
// the badge, without the chat.
//
// widget.js defines window.LiveChat, the host page's API (README, "The
// JavaScript API"): open, close, toggle, hide and show the launcher,
// refresh (ask again which chatflow shows, which history.pushState,
// replaceState and popstate do by themselves), identify, clear, load (for
// a script tag with data-load="manual") and on/off for the events ready,
// open, close, unreadChanged, message, conversationStarted and
// conversationClosed. clear is in chat.js, which widget.js loads for it.
//
// The inbox, served at <mount>inbox/,
// loads its files with relative URLs and speaks the agent endpoints with
// the host's own authentication cookies. The chatflow editor, served at
// <mount>inbox/chatflows and linked from the inbox's header for agents with
// the manage_chatflows permission, does the same with the chatflow admin
// endpoints; visitors' pages never load it.
//
// The chat shows the availability of the chatflow the server picks: the
// typical reply time in place of the subtitle, or a status notice above
// the messages (away, back on a day and time shown in the visitor's
// language and time zone, all agents busy with the visitor's place in the
// queue). A chat hidden for its status shows only to a visitor with an
// open conversation; wherever the chat shows, visitors can write.
// When a visitor minimises the chat it sets the first-party cookie
// livechat_minimized for 24 hours (readable by the page, no identifier in
// it); in sessionStorage it keeps whether the window is open and whether
// the welcome prompt was dismissed.
//
// The scripts insert every piece of user or server text as text, never as
// markup; the tests of this package check it, and those of the root
// package check the widget's budgets as served: widget.js at most 4 KiB
// gzipped, chat.js and chat.css at most 15 KiB together.
package web
