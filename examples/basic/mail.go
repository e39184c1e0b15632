package main

import (
	"fmt"
	"os"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/mail/smtp"
)

// smtpFlags are where the demo sends visitors' transcripts: nowhere (no
// transcripts by email) unless an SMTP server is named.
type smtpFlags struct {
	addr, from, user, tls string
}

// mailer returns the Mailer the flags describe, or nil when they name no
// server. The password comes from LIVECHAT_SMTP_PASSWORD, never a flag,
// so it does not show in the process list.
func (f smtpFlags) mailer() (livechat.Mailer, error) {
	if f.addr == "" {
		return nil, nil
	}
	modes := map[string]smtp.TLSMode{"starttls": smtp.TLSStartTLS, "require": smtp.TLSRequire, "implicit": smtp.TLSImplicit}
	mode, ok := modes[f.tls]
	if !ok {
		return nil, fmt.Errorf("-smtp-tls must be starttls, require or implicit, not %q", f.tls)
	}
	if f.from == "" {
		return nil, fmt.Errorf("-smtp-from is required with -smtp-addr")
	}
	return smtp.New(smtp.Config{Addr: f.addr, From: f.from, Username: f.user, Password: os.Getenv("LIVECHAT_SMTP_PASSWORD"), TLS: mode})
}
