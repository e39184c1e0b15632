// Package pgbroker is a [transport.Broker] on PostgreSQL LISTEN/NOTIFY,
// for sites whose nodes share a PostgreSQL database and run nothing else.
//
//	broker, err := pgbroker.Open(ctx, "postgres://chat@db/chat", pgbroker.WithSchema("livechat"))
//	if err != nil {
//		return err
//	}
//	defer broker.Close()
//
// [Open] makes a pool of its own; [New] uses the host's *pgxpool.Pool.
// Publish runs pg_notify on a connection of the pool. Each Broker also
// holds one connection outside the pool, made with the pool's settings,
// that LISTENs to the topics it has subscribers for, and nothing else,
// and calls the subscribers in the order the database delivers:
// payloads published one after another on a topic arrive in that order on
// every node. LISTEN needs a session of its own: behind a connection
// pooler in transaction mode (PgBouncer's default), give the broker the
// database's own address.
//
// # Channels
//
// A topic may be of any length and hold any bytes, but a channel name is
// an identifier of at most 63 bytes. A topic's channel is the prefix set
// with [WithPrefix] (default "livechat"), "_" and 32 hex digits of the
// topic's SHA-256; see [Broker.Channel]. Deployments sharing a database
// use different prefixes.
//
// # Payloads
//
// A NOTIFY payload is text shorter than 8,000 bytes. A payload of ASCII
// without NUL goes as it is; any other bytes go in base64, which makes
// them a third larger, so binary payloads up to 5,997 bytes and ASCII up
// to 7,998 bytes travel inline. A larger payload travels by reference:
// Publish inserts it into the table pgbroker_payloads, in the schema set
// with [WithSchema] (default "livechat", beside the tables of
// storage/postgres), and notifies its row id in the same statement; each
// listening node reads the row before it calls the subscribers, so large
// and small payloads keep their order. The table and the schema are
// created when missing by [New], under an advisory lock, so nodes may
// start together. The table is UNLOGGED: its writes
// skip the write-ahead log, so a large payload costs no disk flush, and
// its rows are not replicated and do not survive a crash of the server,
// which a broker does not need.
//
// # Retention
//
// A stored payload is not deleted when a node has read it, since others
// may not have. Every node deletes, at half the retention period (at most
// every minute), the rows older than the retention period, measured with
// the database's clock: 5 minutes unless set with [WithRetention]. A node
// that reads a notification later than that, because its subscribers are
// slow or its notification queue long, drops the payload, as a broker may;
// the chat server fills such gaps from its storage.
//
// # Connection loss
//
// When the listening connection drops (a restarted server, a network
// failure, pg_terminate_backend), the broker tells the functions given to
// [Broker.OnState], reconnects with a growing wait ([WithReconnectBackoff]),
// LISTENs again to every subscribed topic, and then tells them it is back.
// Payloads published in between are lost. A connection that stays silent
// for 15 seconds is pinged, so one that died without a word is noticed.
//
// # Cost
//
// Each Publish is a transaction of its own, and PostgreSQL serializes the
// commits of transactions that notify, so a database carries a few
// thousand payloads per second across all nodes (on a 2-core test
// machine: about 0.3 ms from Publish to a subscriber on another node for
// a small payload, 1.5 ms for 32 KiB by reference, and 5,000 to 10,000
// payloads per second from 8 publishers). Busier sites use Redis or
// NATS.
//
// PostgreSQL keeps notifications that listeners have yet to read in a
// queue of 8 GB; a listener that stops reading for long enough fills it,
// and NOTIFY then fails on every node. Subscribers must not block.
package pgbroker
