// Package natsbroker is a [transport.Broker] on NATS core pub/sub, for
// sites whose nodes share a NATS server or cluster.
//
//	broker, err := natsbroker.Connect("nats://nats:4222", natsbroker.WithPrefix("chat"))
//	if err != nil {
//		return err
//	}
//	defer broker.Close()
//
// [Connect] makes a connection of its own that reconnects for as long as
// it takes; [New] uses the host's *nats.Conn (with its credentials, TLS,
// and so on) and leaves it open on Close. Publish hands the payload to
// nats.go's buffer, which writes it in order: payloads published one after
// another on a topic arrive in that order on every node. The Broker
// subscribes only to the topics it has subscribers for, and calls the
// subscribers from one goroutine in the order NATS delivers.
//
// # Subjects
//
// NATS gives ".", "*", ">" and white space a meaning in subject names, so
// a topic is escaped before it becomes a subject: its subject is the
// prefix set with [WithPrefix] (default "livechat"), ".", and the topic
// with every byte other than an ASCII letter, digit, "-" or "_" written
// as "%XX" (see [Broker.Subject]). Every topic is one token, distinct from
// every other, and no topic is a wildcard. Deployments sharing a NATS use
// different prefixes. A payload may be as large as the server's
// max_payload (1 MB by default).
//
// # Connection loss
//
// NATS core keeps nothing: a payload published while a node is
// disconnected never reaches that node. When nats.go loses the
// connection, the broker tells the functions given to [Broker.OnState]
// [transport.StateDisconnected]; nats.go reconnects and subscribes again,
// and the broker reports [transport.StateConnected] once the server has
// answered a PING sent after those subscriptions, that is once every one
// is active again. The chat server then catches its clients up from the
// storage. Meanwhile Publish keeps payloads in nats.go's reconnect buffer
// (8 MB by default) and sends them on reconnection.
//
// Received payloads wait for the subscribers in a buffer of 65,536
// ([WithBuffer]); when the subscribers fall so far behind that it is full,
// nats.go drops payloads (and its default error handler prints "slow
// consumer"). The broker reports that as StateDisconnected followed at
// once by StateConnected, within a second, since the node must catch up
// as after an outage.
package natsbroker
