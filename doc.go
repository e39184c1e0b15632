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
//
// # Inside the package
//
// The package is layered; a file's name says its layer.
//
//   - livechat.go is the front door: Handler, New, ServeHTTP, Close and the
//     route table. api.go is the host's Go API (Reply, Assign,
//     CloseConversation, …), each method a call into the engine.
//   - domain.go, storage.go, errors.go, notifier.go and config.go are the
//     domain: records, the Storage and Notifier interfaces, the sentinel
//     errors and the configuration.
//   - engine*.go is the conversation engine: type engine (start, post,
//     read marks, typing, assign, close, presence, consent checks) with
//     its router (routing, the queue, availability), the flowEditor
//     (chatflow changes), visitors (contacts, surveys, data requests),
//     teamSettings (teams, members, agents' capacity and skills) and the
//     chooser (which chatflow a page shows). It knows the Storage, the
//     broker, the clock and the policy packages, and no net/http.
//   - transcript.go writes a conversation out for one reader, as text or
//     HTML (the visitor's with the brand alias, the agents' with real
//     names), and mails the visitor's through Config.Mailer in the
//     background, with its own limits and retries; mailer.go is the
//     Mailer interface, and mail/smtp sends over SMTP.
//   - flowcache.go loads, compiles and selects chatflows; hub.go fans
//     events out to this node's connections; live.go is one live
//     connection (subscribe, replay, deliver); token.go and identify.go
//     sign and verify visitor tokens and identity tokens; metrics.go holds
//     the OpenTelemetry instruments of Config.MeterProvider, which the
//     engine, the hub and the limits count with.
//   - http*.go is the HTTP and WebSocket layer: each endpoint decodes,
//     authorizes, calls the engine and encodes; http_ws.go reads the
//     WebSocket frames.
//   - internal/origin (may a page call the API), internal/typing
//     (typing indicators coalesced) and internal/minify (the widget's
//     files without comments and indentation, as http_static.go serves
//     them) need nothing from the package and are packages of their own.
//
// # How a message travels
//
// A visitor's message, from the frame arriving to the frame written to
// the agent's socket, passes through six files, each calling the next
// and none coming back to a file it left (TestMessagePath checks it):
//
//  1. http_ws.go: the visitor's connection reads the frame (transport.Conn
//     hands it over), decodes it, applies the visitor's limits and calls
//     engine.sendAsVisitor.
//  2. engine.go: the engine checks the conversation, the text and the
//     consent, appends the message to the Storage, which gives it its
//     sequence number, and publishes the event on the broker. With a
//     Storage that is a ConditionalAppender the conversation's checks are
//     made by the append itself, and only a message it refuses goes
//     through the checks one by one for its answer.
//  3. transport/broker.go: the broker delivers the event to the hub of
//     every node that follows its topics: the conversation's, where a
//     visitor of it is connected, and the inbox's, where an agent is
//     (another Broker, such as Redis, does the same across nodes).
//  4. hub.go: the hub encodes the event for its audience, agents on the
//     inbox topic, visitors on the conversation's, and hands it to each
//     connection that should see it.
//  5. live.go: the agent's connection queues the frame, or holds it back
//     while it is replaying that conversation, so the agent sees sequence
//     order.
//  6. transport/conn.go: the connection's writer writes it to the agent's
//     socket.
//
// The helpers called on the way (the text rules, the consent check, the
// chatflow cache, the Storage) return to the step that called them. The
// acknowledgement to the visitor is written when engine.sendAsVisitor
// returns to http_ws.go, after the message is stored.
package livechat
