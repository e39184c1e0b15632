// Package livechat adds a website live chat to an existing Go web
// application.
//
// A host builds a [Handler] with [New], mounts it under any prefix of its
// router and adds one script tag to its pages:
//
//	store, err := sqlite.Open("chat.db")
//	chat, err := livechat.New(livechat.Config{
//		Storage:   store,
//		Secret:    secret,                // at least 32 random bytes
//		AgentAuth: app.AgentFromRequest,  // the host's own login
//	})
//	defer chat.Close()
//	mux.Handle("/livechat/", chat)
//
//	<script src="/livechat/widget.js" async></script>
//
// Visitors then chat from the widget; agents answer from the inbox at
// /livechat/inbox/ or through the Go API on [Handler]. Every message is
// stored through [Storage] before it is acknowledged, carries a
// per-conversation sequence number, and is replayed from storage when a
// client reconnects, so nothing acknowledged is lost and nothing is
// delivered twice to a client that drops duplicates by sequence.
//
// The wire protocol is described in PROTOCOL.md at the root of the module.
package livechat
