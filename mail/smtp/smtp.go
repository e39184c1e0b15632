package smtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golivechat/livechat"
)

// TLSMode says how a Mailer encrypts its connection.
type TLSMode int

const (
	// TLSStartTLS upgrades the connection with STARTTLS when the server
	// offers it (and then must succeed); the default.
	TLSStartTLS TLSMode = iota
	// TLSRequire upgrades with STARTTLS and refuses a server that does
	// not offer it.
	TLSRequire
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit
)

// Config configures a Mailer. Addr and From are required.
type Config struct {
	// Addr is the server's "host:port", such as "smtp.example.com:587".
	Addr string
	// From is the sender, "support@example.com" or "Acme support
	// <support@example.com>".
	From string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN, over TLS only.
	Username string
	Password string
	// TLS is how the connection is encrypted. Default TLSStartTLS.
	TLS TLSMode
	// TLSConfig configures TLS. Default: the system's roots, with
	// ServerName the host of Addr (set when empty).
	TLSConfig *tls.Config
	// LocalName is the name this client gives in EHLO. Default "localhost".
	LocalName string
	// Timeout bounds one SendMail whose context has no deadline. Default
	// 30 seconds.
	Timeout time.Duration
}

// maxSubject is the longest subject, in bytes.
const maxSubject = 500

// Mailer sends mail through one SMTP server. It is safe for concurrent
// use.
type Mailer struct {
	cfg  Config
	from *mail.Address
	host string
}

var _ livechat.Mailer = (*Mailer)(nil)

// New checks cfg and returns a Mailer. It does not connect.
func New(cfg Config) (*Mailer, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("smtp: Addr must be host:port, got %q", cfg.Addr)
	}
	from, err := parseAddress(cfg.From, true)
	if err != nil {
		return nil, fmt.Errorf("smtp: From: %w", err)
	}
	if cfg.TLS < TLSStartTLS || cfg.TLS > TLSImplicit {
		return nil, fmt.Errorf("smtp: unknown TLS mode %d", cfg.TLS)
	}
	if hasControl(cfg.Username) || hasControl(cfg.Password) || hasControl(cfg.LocalName) || strings.ContainsAny(cfg.LocalName, " ") {
		return nil, errors.New("smtp: Username, Password and LocalName must not hold control characters")
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	cfg.TLSConfig = tc
	return &Mailer{cfg: cfg, from: from, host: host}, nil
}

// rejected wraps a permanent failure.
func rejected(format string, args ...any) error {
	return fmt.Errorf("smtp: %w: %s", livechat.ErrMailRejected, fmt.Sprintf(format, args...))
}

// hasControl reports whether s holds a control character (CR and LF
// among them), which would end a header or a command line.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// parseAddress parses one address; named says whether a display name is
// allowed.
func parseAddress(s string, named bool) (*mail.Address, error) {
	if hasControl(s) {
		return nil, errors.New("address must not hold line breaks or control characters")
	}
	if !utf8.ValidString(s) || len(s) > 320 {
		return nil, errors.New("address must be valid UTF-8, at most 320 bytes")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("invalid address %q", s)
	}
	if !named && a.Name != "" {
		return nil, fmt.Errorf("address %q must be a plain address", s)
	}
	if strings.ContainsAny(a.Address, "<>\" ") {
		return nil, fmt.Errorf("invalid address %q", s)
	}
	return a, nil
}

// SendMail sends m. See the package doc for the errors it returns.
func (ml *Mailer) SendMail(ctx context.Context, m *livechat.Mail) error {
	to, err := checkMail(m)
	if err != nil {
		return err
	}
	msg, err := ml.compose(to, m)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ml.cfg.Timeout)
		defer cancel()
	}
	return ml.deliver(ctx, to.Address, msg)
}

// encodeSubject writes a subject as RFC 2047 encoded words ("B"
// encoding, UTF-8), each on a line of its own, unless it is printable
// ASCII that a reader would not take for encoded words. Surrounding
// white space, which header parsing drops anyway, is trimmed.
func encodeSubject(s string) string {
	s = strings.TrimSpace(s)
	if isASCII(s) && !strings.Contains(s, "=?") {
		return s
	}
	var words []string
	for s != "" {
		n := min(len(s), 45) // 60 base64 characters: words of at most 72
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// checkMail refuses a mail whose recipient or subject could carry a
// header or a command of their own, and returns the recipient.
func checkMail(m *livechat.Mail) (*mail.Address, error) {
	if m == nil {
		return nil, rejected("no mail")
	}
	to, err := parseAddress(m.To, false)
	if err != nil {
		return nil, rejected("To: %v", err)
	}
	if hasControl(m.Subject) || !utf8.ValidString(m.Subject) || len(m.Subject) > maxSubject {
		return nil, rejected("Subject must be one line of valid UTF-8, at most %d bytes", maxSubject)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return nil, rejected("body must be valid UTF-8")
	}
	return to, nil
}

// compose builds the MIME message.
func (ml *Mailer) compose(to *mail.Address, m *livechat.Mail) ([]byte, error) {
	var buf bytes.Buffer
	id := make([]byte, 16)
	rand.Read(id)
	domain := ml.from.Address[strings.LastIndexByte(ml.from.Address, '@')+1:]
	h := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	h("From", ml.from.String())
	h("To", to.String())
	h("Subject", encodeSubject(m.Subject))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	part := func(w io.Writer, body string) error {
		q := quotedprintable.NewWriter(w)
		if _, err := io.WriteString(q, strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")); err != nil {
			return err
		}
		return q.Close()
	}
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := part(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	mw := multipart.NewWriter(&buf)
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := part(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// deliver runs one SMTP session that sends msg to rcpt.
func (ml *Mailer) deliver(ctx context.Context, rcpt string, msg []byte) (err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", ml.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp: dial %s: %w", ml.cfg.Addr, err)
	}
	defer conn.Close()
	// The context's end ends every read and write at once.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer func() {
		switch {
		case err == nil:
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		case errors.Is(err, os.ErrDeadlineExceeded): // the deadline came before ctx knew
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
	}()

	secure := false
	if ml.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, ml.cfg.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("smtp: TLS: %w", err)
		}
		conn, secure = tc, true
	}
	c := textproto.NewConn(conn)
	if _, _, err := c.ReadResponse(220); err != nil {
		return replyErr("greeting", err)
	}
	ext, err := ml.hello(c)
	if err != nil {
		return err
	}
	if !secure {
		_, offered := ext["STARTTLS"]
		if !offered && (ml.cfg.TLS == TLSRequire || ml.cfg.Username != "") {
			return rejected("the server does not offer STARTTLS")
		}
		if offered {
			if _, err := cmd(c, 220, "STARTTLS"); err != nil {
				return replyErr("STARTTLS", err)
			}
			tc := tls.Client(conn, ml.cfg.TLSConfig)
			if err := tc.HandshakeContext(ctx); err != nil {
				return fmt.Errorf("smtp: STARTTLS: %w", err)
			}
			secure = true
			c = textproto.NewConn(tc)
			if ext, err = ml.hello(c); err != nil {
				return err
			}
		}
	}
	if ml.cfg.Username != "" {
		if !secure {
			return rejected("no TLS: the password is not sent in the clear")
		}
		if !strings.Contains(" "+strings.ToUpper(ext["AUTH"])+" ", " PLAIN ") {
			return rejected("the server does not offer AUTH PLAIN")
		}
		token := base64.StdEncoding.EncodeToString([]byte("\x00" + ml.cfg.Username + "\x00" + ml.cfg.Password))
		if _, err := cmd(c, 235, "AUTH PLAIN %s", token); err != nil {
			return replyErr("AUTH", err)
		}
	}
	utf8Params := ""
	if !isASCII(ml.from.Address) || !isASCII(rcpt) {
		if _, ok := ext["SMTPUTF8"]; !ok {
			return rejected("the server does not accept non-ASCII addresses (no SMTPUTF8)")
		}
		utf8Params = " SMTPUTF8"
	}
	if _, err := cmd(c, 250, "MAIL FROM:<%s>%s", ml.from.Address, utf8Params); err != nil {
		return replyErr("MAIL FROM", err)
	}
	if _, err := cmd(c, 25, "RCPT TO:<%s>", rcpt); err != nil {
		return replyErr("RCPT TO", err)
	}
	if _, err := cmd(c, 354, "DATA"); err != nil {
		return replyErr("DATA", err)
	}
	w := c.DotWriter()
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: write message: %w", err)
	}
	if _, _, err := c.ReadResponse(250); err != nil {
		return replyErr("message", err)
	}
	cmd(c, 221, "QUIT") // the mail is accepted; the goodbye does not matter
	return nil
}

// hello sends EHLO and returns the extensions the server offers, by
// keyword, with their parameters.
func (ml *Mailer) hello(c *textproto.Conn) (map[string]string, error) {
	msg, err := cmd(c, 250, "EHLO %s", ml.cfg.LocalName)
	if err != nil {
		return nil, replyErr("EHLO", err)
	}
	ext := map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		ext[strings.ToUpper(k)] = v
	}
	return ext, nil
}

// cmd sends a command and reads its reply, which must have expect's code
// (or start with its digits).
func cmd(c *textproto.Conn, expect int, format string, args ...any) (string, error) {
	id, err := c.Cmd(format, args...)
	if err != nil {
		return "", err
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	_, msg, err := c.ReadResponse(expect)
	return msg, err
}

// replyErr classifies an error of step: a 5xx reply is permanent.
func replyErr(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return fmt.Errorf("smtp: %s: %w: %d %s", step, livechat.ErrMailRejected, te.Code, te.Msg)
	}
	return fmt.Errorf("smtp: %s: %w", step, err)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
