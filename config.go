package livechat

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/identity"
	"github.com/golivechat/livechat/knowledge"
	"github.com/golivechat/livechat/transport"
)

// Config configures a Handler. Storage and Secret are required; every other
// field has the documented default when left zero.
type Config struct {
	// Storage keeps visitors, conversations, messages and chatflows.
	// Required; storage/sqlite is the embedded default and storage/memory
	// keeps everything in memory.
	Storage Storage

	// Secret signs visitor tokens with HMAC-SHA256. Required, at least 32
	// bytes; generate it once (crypto/rand) and keep it: changing it signs
	// every visitor out. Nodes that share a Storage must share the Secret.
	Secret []byte

	// AgentAuth authenticates agents with the host's own login: it returns
	// the agent making the request, or an error (or nil) when there is
	// none. Without it every agent endpoint answers 401. The Handler
	// stores the agent it returns. Of the team settings, the TeamIDs,
	// Skills and Capacity it fills in are stored at every request and
	// cannot be changed in the inbox; those it leaves empty (nil, 0) are
	// kept as stored, as agents with PermissionManageTeam set them in the
	// inbox (see Agent.HostFields). Handler.PutAgents stores agents by the
	// same rules before they first sign in.
	AgentAuth func(r *http.Request) (*Agent, error)

	// Flows seeds the Storage with chatflows: each one whose ID is not
	// stored yet is created at New; one already stored is left as it is,
	// so changes made through the admin API survive restarts. Every
	// chatflow needs an ID and must pass Validate. When Flows is empty and
	// the Storage has no chatflow, New creates one with DefaultChatflowID,
	// shown on every page, from Title, Subtitle, Welcome and AccentColor.
	Flows []*flow.Chatflow

	// Files keeps the files visitors and agents attach to their messages
	// (storage/files keeps them in a directory); the Storage must then be
	// a FileIndex, which keeps their records (every adapter of this module
	// is). Each chatflow's Options.Files says whether files may be
	// attached in its chats, how large and of which types. Default: nil,
	// attachments are off everywhere.
	Files FileStore

	// Notifier tells the team about new conversations, messages nobody is
	// there to see, assignments and long waits. Default: none. It is
	// called without blocking the message path; see notifier/webhook.
	Notifier Notifier

	// Mailer sends visitors the transcripts of their conversations by
	// email, when they ask for one at the end of a chat (mail/smtp sends
	// over SMTP). Default: nil, and visitors are not offered transcripts;
	// agents can always download them from the inbox.
	Mailer Mailer

	// DefaultCapacity is how many open conversations an agent whose
	// Agent.Capacity is 0 may have assigned at once. Default 5.
	DefaultCapacity int
	// PresenceGrace is how long after their last inbox connection closed an
	// agent who chose "available" still counts as available. Default 2
	// minutes.
	PresenceGrace time.Duration
	// WaitingThreshold is how long a conversation may wait for an agent
	// before the Notifier hears of it. Default 5 minutes.
	WaitingThreshold time.Duration
	// ReassignAfter, when set, gives the open conversations of an agent who
	// has not been available for that long to someone else. Default 0:
	// conversations stay with their agent.
	ReassignAfter time.Duration

	// Identity verifies the tokens a host mints for its logged-in users
	// (package identity), passed by the widget's data-identity attribute.
	// A verified user is the same visitor on every device, with a verified
	// contact. Default: nil, every visitor is anonymous.
	Identity *identity.Verifier

	// Knowledge is the help articles the widget's Help tab searches, for
	// chatflows that enable it: knowledge.NewIndex is the built-in one.
	// Default: none, no Help tab.
	Knowledge knowledge.Base

	// ConsentRetention is how long consent records are kept as proof when
	// a visitor's data is erased: records younger than this stay. Default
	// 0: erased with the rest.
	ConsentRetention time.Duration

	// Texts overrides any visitor-facing text, per language (package
	// consent has the keys and the default texts in English, Swedish,
	// German, French and Spanish). Default: the default texts.
	Texts *consent.Catalog
	// Company names the host in the consent-to-communicate checkbox
	// ("I agree to receive emails from Acme"); when empty, Account does,
	// and when both are empty, the site's domain.
	Company string
	// Account is the name of the host's account, the checkbox's second
	// choice of name. Default: none.
	Account string

	// AllowedOrigins lists other origins whose pages may open the chat's
	// WebSockets (HTTP requests with their Origin pass the same check, but
	// the Handler sends no CORS headers), as "[scheme://]host[:port]" patterns
	// with path.Match syntax in host and port ("https://*.example.com",
	// "example.com", "localhost:8080", "example.com:*"). A pattern with a
	// scheme matches that scheme only; one without matches https pages,
	// and http pages unless the server is known to be reached over https
	// (TLS, or X-Forwarded-Proto: https). A pattern without a port
	// matches the scheme's default port only. The server's own origin
	// (scheme, host and port; the host of X-Forwarded-Host when a proxy
	// sets it) is always allowed. The patterns apply to the visitor API
	// only: the inbox and the agent and admin APIs accept the server's own
	// origin alone, so that no other site's page, not even one that embeds
	// the widget, can act as a signed-in agent.
	AllowedOrigins []string

	// Broker carries live events between nodes. Default: an in-process
	// broker, right for a single node.
	Broker transport.Broker

	// Logger receives operational logs; they never contain message text or
	// tokens. Default: slog.Default().
	Logger *slog.Logger

	// MeterProvider receives the Handler's OpenTelemetry metrics
	// (connections, messages, deliveries and their latency, the queue,
	// assignments, rate limiting and errors; the README lists them with
	// their units and attributes). Default: nil, no metrics are recorded
	// and none cost anything.
	MeterProvider metric.MeterProvider

	// Now is the clock. Default: time.Now.
	Now func() time.Time

	// Path is where the Handler is mounted, such as "/livechat/". When
	// empty the Handler learns it from the request's ServeMux pattern, or
	// from the routes it knows at the end of the path; set it for routers
	// that give neither.
	Path string

	// Title heads the default chatflow's window. Default "Chat with us".
	Title string
	// Subtitle is shown under the title. Default "We typically reply in a
	// few minutes".
	Subtitle string
	// Welcome is the default chatflow's first message. Default "Hi! How
	// can we help?".
	Welcome string
	// AccentColor is the default chatflow's colour, as #rrggbb. Default
	// "#2f6fed".
	AccentColor string

	// MaxMessageLength is the most characters (Unicode code points) a
	// message may have. Default 5,000.
	MaxMessageLength int

	// VisitorRate is how many messages per second one visitor may send on
	// average; a burst of VisitorBurst passes at once. Beyond it sends get
	// rate_limited. Default 5 per second with a burst of 20; a negative
	// VisitorRate turns the limit off.
	VisitorRate  float64
	VisitorBurst int

	// IPMessageRate is how many messages the visitors of one client IP
	// may send per second together on average; a burst of IPMessageBurst
	// passes at once. Beyond it sends get rate_limited, so that many
	// fresh identities add up to no more than this. Default 10 per second
	// with a burst of 100; a negative IPMessageRate turns the limit off.
	IPMessageRate  float64
	IPMessageBurst int

	// NewVisitorRate is how many new visitor identities (a config call
	// without a valid visitor token) one client IP may create per second
	// on average; a burst of NewVisitorBurst passes at once. Beyond it the
	// config call gets too_many_visitors and stores nothing. Default one
	// every 3 seconds (20 a minute) with a burst of 50, room for an office
	// behind one address (a visitor who has not accepted cookies yet gets
	// a new identity on every page view); a negative NewVisitorRate turns
	// the limit off.
	NewVisitorRate  float64
	NewVisitorBurst int

	// NewConversationRate is how many new conversations one client IP may
	// start per second on average; a burst of NewConversationBurst passes
	// at once. Beyond it starting one gets too_many_conversations (a
	// visitor's existing open conversation is still returned). Default
	// one every 10 seconds (6 a minute) with a burst of 20; a negative
	// NewConversationRate turns the limit off.
	NewConversationRate  float64
	NewConversationBurst int

	// MaxConnsPerVisitor caps the WebSockets one visitor may have open at
	// once (one per browser tab showing the chat); MaxConnsPerIP caps
	// those of all visitors of one client IP. Beyond them the WebSocket is
	// refused with too_many_connections (the widget falls back to long
	// polling). Agents' connections are not counted. Defaults 10 and 100;
	// a negative value turns the cap off.
	MaxConnsPerVisitor int
	MaxConnsPerIP      int

	// TrustedProxies lists the reverse proxies in front of the Handler, as
	// IP addresses or CIDR prefixes ("10.0.0.0/8"). For a request from one
	// of them, the client IP that the per-IP limits count is the
	// right-most X-Forwarded-For address that is not itself a trusted
	// proxy. Default: none, the client IP is the connection's remote
	// address and X-Forwarded-For is ignored, since any client can write
	// it.
	TrustedProxies []string
	// ClientIP, when set, returns the client IP of a request for the
	// per-IP limits instead (for a proxy that sets another header);
	// TrustedProxies is then unused. IPv6 addresses are counted by their
	// /64 prefix. Default: nil.
	ClientIP func(r *http.Request) string

	// VisitorTokenTTL is how long a visitor token stays valid without a
	// page view. Default 90 days.
	VisitorTokenTTL time.Duration

	// SendQueueSize is how many frames may wait to be written to one
	// WebSocket client before it counts as too slow and is disconnected.
	// Frames wait only while the client reads slower than they come: each
	// turn of a connection's writer writes all that waits. Default 4096.
	SendQueueSize int
	// PingInterval is how often WebSocket clients are pinged. Default 20 s.
	PingInterval time.Duration
	// PingTimeout is how long a ping may go unanswered. Default 10 s.
	PingTimeout time.Duration
	// WriteTimeout bounds each WebSocket write. Default 10 s.
	WriteTimeout time.Duration
	// PollTimeout is the longest a long-poll request waits. Default 25 s.
	PollTimeout time.Duration
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

//lint:file-ignore ST1005 invalid-Config errors start with the field they name.

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Storage == nil {
		errs = append(errs, errors.New("Storage is required"))
	}
	if len(c.Secret) < 32 {
		errs = append(errs, fmt.Errorf("Secret must be at least 32 bytes, got %d", len(c.Secret)))
	}
	if c.MaxMessageLength < 0 {
		errs = append(errs, errors.New("MaxMessageLength must not be negative"))
	}
	if c.AccentColor != "" && !colorRE.MatchString(c.AccentColor) {
		errs = append(errs, fmt.Errorf("AccentColor must be #rrggbb, got %q", c.AccentColor))
	}
	if c.Path != "" && (!strings.HasPrefix(c.Path, "/") || !strings.HasSuffix(c.Path, "/")) {
		errs = append(errs, fmt.Errorf("Path must start and end with /, got %q", c.Path))
	}
	for _, o := range c.AllowedOrigins {
		hostPort := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(o), "https://"), "http://")
		if _, err := path.Match(hostPort, ""); hostPort == "" || strings.Contains(hostPort, "/") || err != nil {
			errs = append(errs, fmt.Errorf("AllowedOrigins: %q must be a pattern such as example.com or https://*.example.com", o))
		}
	}
	_, proxyErrs := parseProxies(c.TrustedProxies)
	errs = append(errs, proxyErrs...)
	if _, ok := c.Storage.(FileIndex); c.Files != nil && c.Storage != nil && !ok {
		errs = append(errs, fmt.Errorf("Files needs a Storage that is a FileIndex, and %T is not", c.Storage))
	}
	errs = append(errs, checkConfigFlows(c.Flows)...)
	if c.Texts != nil {
		if err := c.Texts.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Texts: %w", err))
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("livechat: invalid Config: %w", errors.Join(errs...))
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Title == "" {
		c.Title = "Chat with us"
	}
	if c.Subtitle == "" {
		c.Subtitle = "We typically reply in a few minutes"
	}
	if c.Welcome == "" {
		c.Welcome = "Hi! How can we help?"
	}
	if c.AccentColor == "" {
		c.AccentColor = "#2f6fed"
	}
	if c.MaxMessageLength == 0 {
		c.MaxMessageLength = 5000
	}
	if c.DefaultCapacity <= 0 {
		c.DefaultCapacity = 5
	}
	if c.PresenceGrace <= 0 {
		c.PresenceGrace = 2 * time.Minute
	}
	if c.WaitingThreshold <= 0 {
		c.WaitingThreshold = 5 * time.Minute
	}
	if c.VisitorRate == 0 {
		c.VisitorRate = 5
	}
	if c.VisitorBurst <= 0 {
		c.VisitorBurst = 20
	}
	if c.IPMessageRate == 0 {
		c.IPMessageRate = 10
	}
	if c.IPMessageBurst <= 0 {
		c.IPMessageBurst = 100
	}
	if c.NewVisitorRate == 0 {
		c.NewVisitorRate = 1.0 / 3
	}
	if c.NewVisitorBurst <= 0 {
		c.NewVisitorBurst = 50
	}
	if c.NewConversationRate == 0 {
		c.NewConversationRate = 0.1
	}
	if c.NewConversationBurst <= 0 {
		c.NewConversationBurst = 20
	}
	if c.MaxConnsPerVisitor == 0 {
		c.MaxConnsPerVisitor = 10
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 100
	}
	if c.VisitorTokenTTL <= 0 {
		c.VisitorTokenTTL = 90 * 24 * time.Hour
	}
	if c.SendQueueSize <= 0 {
		c.SendQueueSize = 4096
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 25 * time.Second
	}
	return c, nil
}
