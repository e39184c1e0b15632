// Package redisbroker is a [transport.Broker] on Redis pub/sub, for sites
// whose nodes share a Redis.
//
//	broker, err := redisbroker.Open(ctx, "redis:6379", redisbroker.WithPrefix("chat"))
//	if err != nil {
//		return err
//	}
//	defer broker.Close()
//
// [Open] makes a go-redis client of its own; [New] uses the host's
// redis.UniversalClient (a single server, Sentinel or Cluster) and leaves
// it open on Close. Publish sends PUBLISH on a connection of the client's
// pool and returns once Redis has taken the payload (or kept it, see
// below), so payloads published one after another on a topic arrive in
// that order on every node. Each
// Broker also holds one connection of its own that SUBSCRIBEs to the
// topics it has subscribers for, and nothing else, and calls the
// subscribers from one goroutine in the order Redis delivers.
//
// A topic's channel is the prefix set with [WithPrefix] (default
// "livechat"), ":" and the topic; see [Broker.Channel]. Redis channel
// names and payloads are binary-safe, so topics and payloads are sent as
// they are. Deployments sharing a Redis use different prefixes.
//
// # Connection loss
//
// Redis pub/sub keeps nothing: a payload published while a node's
// subscribing connection is down never reaches that node. When the
// connection fails (a restarted server, a network failure, CLIENT KILL),
// or does not answer a PING after staying silent for 15 seconds, the
// broker tells the functions given to [Broker.OnState]
// [transport.StateDisconnected], reconnects with a growing wait
// ([WithReconnectBackoff]), SUBSCRIBEs again to every topic, and reports
// [transport.StateConnected] once Redis has answered a PING sent after
// that SUBSCRIBE, that is once every subscription is active again. The
// chat server then catches its clients up from the storage. Meanwhile
// Publish keeps what it cannot send, up to 8 MiB, and the broker sends it
// in order once Redis answers again, so that other nodes' clients get the
// events of a node that lost its connection. A payload whose PUBLISH
// went out just as the connection broke may then arrive twice, as it may
// after go-redis's own retries; the chat's clients drop duplicates by
// sequence number. go-redis logs each failed dial with its logger (see
// redis.SetLogger).
package redisbroker
