// Package webhook is a [livechat.Notifier] that POSTs each notification as
// JSON to a URL the host configures, signed so the receiver can tell it
// came from this chat.
//
// [New] builds a [Notifier]; set it as the Handler's Notifier and call
// [Notifier.Close] on shutdown so queued notifications go out:
//
//	hook, err := webhook.New("https://example.com/hooks/chat", secret, nil)
//	if err != nil { ... }
//	defer hook.Close(ctx)
//	chat, err := livechat.New(livechat.Config{..., Notifier: hook})
//
// # Never in the way of the chat
//
// A notification must never block or fail a conversation. The Handler calls
// Notify from the message path and ignores its error beyond logging it.
// Notify therefore only encodes the notification and puts it on a bounded
// queue; when the queue is full (the receiver is down or slow) the
// notification is dropped, logged, and Notify returns an error wrapping
// [ErrQueueFull] at once. One goroutine owned by the Notifier delivers the
// queue in order.
//
// # Request and signature
//
// Each attempt is a POST of the JSON form of [livechat.Notification] with
// these headers:
//
//	Content-Type:         application/json
//	User-Agent:           golivechat-webhook/1
//	X-Livechat-Timestamp: 1767225600
//	X-Livechat-Signature: v1=fa6aae022b7470c38f0208e033c1cdb6bf9777f4a011d4f3b05bc07af9c5dcfa
//
// The timestamp is the Unix time in seconds when the attempt was sent; the
// signature is "v1=" followed by the lowercase hex HMAC-SHA256, keyed with
// the shared secret, of the timestamp in decimal, a ".", and the exact body
// bytes (see [Sign]). The values above are those of a body
// {"id":"n1","kind":"new_conversation","conversationId":"c1"} signed with the
// secret "0123456789abcdef0123456789abcdef"; a receiver in another language
// can check its code against them, for example with
//
//	printf '%s' "$TIMESTAMP.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
//
// Signing the timestamp with the body lets a receiver
// refuse replays of an old request: [Verify] checks the signature in
// constant time and that the timestamp is within a tolerance of its clock.
// Receivers should verify the raw body before decoding it, and drop
// repeats by the notification's ID, since a delivery whose response was
// lost is retried.
//
// # Retries
//
// A 2xx response is success. A 429, a 5xx or a network error (including
// the per-attempt timeout) is retried after an exponential backoff with
// jitter, or after the response's Retry-After when it has one, capped by
// the maximum backoff, until [Options.MaxAttempts] attempts have been made;
// then the notification is given up and logged. Any other status (a 4xx
// such as 400 or 401, or a 3xx: the default client follows no redirects) is
// logged and not retried: the request will not get better by repeating it. Retries keep their place in the queue, so a receiver sees
// notifications in the order they were made.
//
// Logs carry a notification's id, kind and conversation id, never a
// message's text (notifications hold none) and never the webhook's URL
// path or query, which often contain a token.
package webhook
