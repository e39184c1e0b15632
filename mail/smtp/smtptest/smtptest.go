// Package smtptest is an SMTP server for tests, in the manner of
// net/http/httptest: it listens on a loopback port, offers STARTTLS with
// a certificate it makes for itself, and keeps every mail it accepts.
//
//	srv := smtptest.NewServer(smtptest.Options{StartTLS: true})
//	defer srv.Close()
//	m, _ := smtp.New(smtp.Config{Addr: srv.Addr, From: "chat@example.com", TLSConfig: srv.ClientTLS()})
//	// ... send; then
//	msg, err := srv.Next(ctx)
package smtptest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// StartTLS offers STARTTLS.
	StartTLS bool
	// Username and Password, when Username is set, are the only
	// credentials AUTH PLAIN accepts, and mail is taken only after them.
	Username string
	Password string
	// Reply, when set, is asked first about every command line (such as
	// "RCPT TO:<a@example.com>"; for the message itself, "DATA END"): a
	// code other than 0 is answered, with msg, instead of the usual reply.
	Reply func(line string) (code int, msg string)
}

// Message is one mail the server accepted.
type Message struct {
	From string   // the MAIL FROM address
	To   []string // the RCPT TO addresses
	// Data is the message as sent, headers and body, dot-stuffing
	// removed, lines ending in CRLF.
	Data []byte
	// TLS says whether the session was encrypted when the mail was sent.
	TLS bool
	// User is the username the session authenticated as, if any.
	User string
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is the server's "127.0.0.1:port".
	Addr string

	opts   Options
	ln     net.Listener
	tls    *tls.Config
	roots  *x509.CertPool
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	msgs   []*Message
	next   int
	lines  []string
	notify chan struct{}
}

// NewServer starts a Server on a loopback port. It panics if it cannot
// listen or make its certificate, as httptest.NewServer does.
func NewServer(opts Options) *Server {
	cert, roots, err := selfSigned()
	if err != nil {
		panic("smtptest: certificate: " + err.Error())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("smtptest: listen: " + err.Error())
	}
	s := &Server{
		Addr: ln.Addr().String(), opts: opts, ln: ln, roots: roots,
		tls:    &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		conns:  map[net.Conn]bool{},
		notify: make(chan struct{}, 1),
	}
	s.wg.Add(1)
	go s.serve()
	return s
}

// ClientTLS returns a TLS configuration that trusts the server's
// certificate (for the name "127.0.0.1" or "localhost").
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// Close stops the server, closes its connections and waits for them.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Next returns the next mail accepted that Next has not returned yet,
// waiting for it until ctx is done.
func (s *Server) Next(ctx context.Context) (*Message, error) {
	for {
		s.mu.Lock()
		if s.next < len(s.msgs) {
			m := s.msgs[s.next]
			s.next++
			s.mu.Unlock()
			return m, nil
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Messages returns every mail accepted so far.
func (s *Server) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.msgs...)
}

// Lines returns every command line received so far, in order, the
// message contents left out.
func (s *Server) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// session speaks SMTP on one connection.
func (s *Server) session(c net.Conn) {
	defer func() { c.Close() }()
	c.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 smtptest ESMTP ready")
	var (
		secure bool
		user   string
		msg    *Message
	)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.lines = append(s.lines, line)
		s.mu.Unlock()
		if s.opts.Reply != nil {
			if code, text := s.opts.Reply(line); code != 0 {
				tp.PrintfLine("%d %s", code, text)
				continue
			}
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"smtptest", "8BITMIME", "SMTPUTF8"}
			if s.opts.StartTLS && !secure {
				ext = append(ext, "STARTTLS")
			}
			if s.opts.Username != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, e)
			}
		case "STARTTLS":
			if !s.opts.StartTLS || secure {
				tp.PrintfLine("503 STARTTLS not available")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure, user, msg = tc, true, "", nil
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, b64, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(b64)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 || s.opts.Username == "" ||
				parts[1] != s.opts.Username || parts[2] != s.opts.Password {
				tp.PrintfLine("535 authentication failed")
				continue
			}
			user = parts[1]
			tp.PrintfLine("235 authenticated")
		case "MAIL":
			if s.opts.Username != "" && user == "" {
				tp.PrintfLine("530 authentication required")
				continue
			}
			from, ok := angle(arg, "FROM:")
			if !ok {
				tp.PrintfLine("501 syntax: MAIL FROM:<address>")
				continue
			}
			msg = &Message{From: from, TLS: secure, User: user}
			tp.PrintfLine("250 ok")
		case "RCPT":
			to, ok := angle(arg, "TO:")
			if msg == nil || !ok {
				tp.PrintfLine("503 MAIL first, then RCPT TO:<address>")
				continue
			}
			msg.To = append(msg.To, to)
			tp.PrintfLine("250 ok")
		case "DATA":
			if msg == nil || len(msg.To) == 0 {
				tp.PrintfLine("503 RCPT first")
				continue
			}
			tp.PrintfLine("354 end with <CRLF>.<CRLF>")
			data, err := readDot(tp.R)
			if err != nil {
				return
			}
			if s.opts.Reply != nil {
				if code, text := s.opts.Reply("DATA END"); code != 0 {
					tp.PrintfLine("%d %s", code, text)
					msg = nil
					continue
				}
			}
			msg.Data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, msg)
			s.mu.Unlock()
			select {
			case s.notify <- struct{}{}:
			default:
			}
			msg = nil
			tp.PrintfLine("250 queued")
		case "RSET":
			msg = nil
			tp.PrintfLine("250 ok")
		case "NOOP":
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("500 unknown command")
		}
	}
}

// angle reads "FROM:<address> params" after prefix.
func angle(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

// readDot reads a message up to the line ".", removing dot-stuffing and
// keeping CRLF line ends.
func readDot(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return out, nil
		}
		out = append(out, strings.TrimPrefix(line, ".")...)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a
// day, and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}
