// Package smtp is a [livechat.Mailer] that sends mail through an SMTP
// server (a relay or a provider's submission port), on the standard
// library alone.
//
// [New] checks a [Config] and returns a [Mailer]; set it as the Handler's
// Mailer:
//
//	m, err := smtp.New(smtp.Config{
//		Addr:     "smtp.example.com:587",
//		From:     "Acme support <support@example.com>",
//		Username: "support@example.com",
//		Password: os.Getenv("SMTP_PASSWORD"),
//	})
//	if err != nil { ... }
//	chat, err := livechat.New(livechat.Config{..., Mailer: m})
//
// # Encryption and authentication
//
// By default ([TLSStartTLS]) the connection is upgraded with STARTTLS
// whenever the server offers it, and the certificate is verified; a
// failed upgrade is an error, never a fallback to plain text. With
// [TLSRequire] a server that does not offer STARTTLS is refused; with
// [TLSImplicit] the connection is TLS from its first byte (port 465).
// The password is sent (AUTH PLAIN) only over TLS: a server that offers
// no TLS while a Username is set is refused rather than given it.
//
// # Messages
//
// Each mail is one MIME message: multipart/alternative with a text/plain
// and a text/html part when [livechat.Mail.HTML] is set, text/plain
// alone otherwise, both UTF-8 in quoted-printable, with the subject
// encoded per RFC 2047. An address or subject with a line break or
// another control character is refused (an error wrapping
// [livechat.ErrMailRejected]) before anything is sent, so no header can
// be injected.
//
// # Errors and time
//
// SendMail gives up when its context is done or, for a context without a
// deadline, after [Config.Timeout]. A 5xx reply from the server, an
// invalid address or a refused header is an error wrapping
// [livechat.ErrMailRejected] (the Handler does not try again); a 4xx
// reply, a timeout or a lost connection is not (the Handler tries again).
// Each SendMail opens its own connection.
package smtp
