package livechat

import (
	"context"
	"errors"
)

// Mail is one email the Handler sends: a conversation's transcript, to the
// address the visitor asked it be sent to.
type Mail struct {
	// To is one plain address, "name@example.com".
	To string
	// Subject is one line of text, any Unicode.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the same content as a whole HTML document, escaped; empty
	// for a plain-text mail.
	HTML string
}

// Mailer sends email for the Handler (see Config.Mailer); mail/smtp is an
// implementation over SMTP.
type Mailer interface {
	// SendMail sends m, or returns an error. An error wrapping
	// ErrMailRejected says the mail cannot be delivered as it is (a
	// permanent refusal such as an SMTP 5xx reply, an invalid address, or
	// a line break in a header): the Handler does not try again. Any other
	// error (a connection refused, a timeout, an SMTP 4xx reply) is taken
	// as temporary, and the Handler tries again a few times. SendMail must
	// give up when ctx is done and be safe for concurrent use. The
	// Handler neither logs nor answers the error's text (it may quote the
	// address): only whether it was rejected or temporary.
	SendMail(ctx context.Context, m *Mail) error
}

// MailerFunc adapts a function to a Mailer.
type MailerFunc func(ctx context.Context, m *Mail) error

// SendMail calls f(ctx, m).
func (f MailerFunc) SendMail(ctx context.Context, m *Mail) error { return f(ctx, m) }

// ErrMailRejected means a Mailer can never deliver a mail as it is; see
// Mailer.SendMail.
var ErrMailRejected = errors.New("livechat: mail rejected")
