// Package web holds the browser side of golivechat: the visitor widget
// (widget.js and widget.css) and the agent inbox (inbox/index.html,
// inbox/inbox.js and inbox/inbox.css).
//
// The files are plain JavaScript and CSS with no framework and no build
// step, embedded in the binary through [Files], and they make no request to
// any origin but the one that serves them. The root livechat package serves
// them under the prefix where the host mounts its Handler, so that a page
// only needs
//
//	<script src="/livechat/widget.js" async></script>
//
// The widget finds the prefix from its own script URL, loads widget.css
// from beside it and speaks the visitor endpoints of PROTOCOL.md; the inbox,
// served at <mount>inbox/, loads its files with relative URLs and speaks the
// agent endpoints with the host's own authentication cookies.
//
// The widget applies the display settings of the chatflow the server
// picks (accent colour, heading, desktop and mobile behaviour, triggers)
// and the chat's availability: the typical reply time in place of the
// subtitle, or a status notice above the messages (away, back on a day and
// time shown in the visitor's language and time zone, all agents busy with
// the visitor's place in the queue). A chat hidden for its status shows
// only to a visitor with an open conversation; wherever the chat shows,
// visitors can write.
// When a visitor minimises the chat it sets the first-party cookie
// livechat_minimized for 24 hours (readable by the page, no identifier in
// it); in sessionStorage it keeps whether the window is open and whether
// the welcome prompt was dismissed.
//
// Both insert every piece of user or server text as text, never as markup,
// and the widget's JavaScript and CSS stay under 20 KiB gzipped together;
// the tests of this package check both.
package web
