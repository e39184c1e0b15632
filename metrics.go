package livechat

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// meterName is the instrumentation scope of the Handler's metrics.
const meterName = "github.com/golivechat/livechat"

// The metrics' attributes. Each measurement takes one of the sets built
// here once, so that counting a message or a delivery allocates nothing.
const (
	attrParticipant = "livechat.participant" // visitor or agent
	attrSender      = "livechat.sender"      // a message's SenderKind
	attrAssignedBy  = "livechat.assigned_by" // routing or manual
	attrLimit       = "livechat.limit"       // which limit refused
	attrErrorType   = "error.type"           // the protocol's error code
)

// limitKind names one of the limits for the rate-limited counter.
type limitKind int

const (
	limitMessage         limitKind = iota // a visitor's messages
	limitIPMessage                        // the messages of one client IP
	limitSignal                           // a visitor's typing and read updates
	limitNewVisitor                       // new visitor identities of one client IP
	limitNewConversation                  // new conversations of one client IP
	limitConnection                       // open WebSockets of one visitor or client IP
	limitTranscript                       // transcripts mailed, per conversation, visitor or client IP
	limitKinds
)

var limitNames = [limitKinds]string{"message", "ip_message", "signal", "new_visitor", "new_conversation", "connection", "transcript"}

// addSet and recordSet are the options that carry one attribute set to a
// counter or a histogram.
func addSet(kv ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

func recordSet(kv ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

func observeSet(kv ...attribute.KeyValue) []metric.ObserveOption {
	return []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

var (
	toVisitor, toAgent               = addSet(attribute.String(attrParticipant, "visitor")), addSet(attribute.String(attrParticipant, "agent"))
	toVisitorLatency, toAgentLatency = recordSet(attribute.String(attrParticipant, "visitor")), recordSet(attribute.String(attrParticipant, "agent"))
	visitorConns, agentConns         = observeSet(attribute.String(attrParticipant, "visitor")), observeSet(attribute.String(attrParticipant, "agent"))
	byVisitor, byAgent, bySystem     = addSet(attribute.String(attrSender, string(SenderVisitor))), addSet(attribute.String(attrSender, string(SenderAgent))), addSet(attribute.String(attrSender, string(SenderSystem)))
	byNote                           = addSet(attribute.String(attrSender, string(SenderNote)))
	byRouting, byHand                = addSet(attribute.String(attrAssignedBy, "routing")), addSet(attribute.String(attrAssignedBy, "manual"))
	limitSets                        = func() (out [limitKinds][]metric.AddOption) {
		for i, name := range limitNames {
			out[i] = addSet(attribute.String(attrLimit, name))
		}
		return out
	}()
	errorSets = func() map[string][]metric.AddOption {
		out := make(map[string][]metric.AddOption, len(defaultMessages))
		for code := range defaultMessages {
			out[code] = addSet(attribute.String(attrErrorType, code))
		}
		return out
	}()
)

// deliveryBuckets are the delivery latency histogram's bounds, in seconds:
// a message usually reaches the connections of the node that stored it
// within a millisecond, and those of another node within a few.
var deliveryBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the Handler's instruments on Config.MeterProvider. The
// README lists them. Counting costs an instrument call with a prepared
// attribute set; without a MeterProvider the instruments are no-ops and
// no clock is read.
type metrics struct {
	on          bool // a MeterProvider was given
	now         func() time.Time
	messages    metric.Int64Counter
	deliveries  metric.Int64Counter
	latency     metric.Float64Histogram
	assignments metric.Int64Counter
	limited     metric.Int64Counter
	errors      metric.Int64Counter
	reg         metric.Registration
}

// noMetrics is what parts built without a Handler (tests, benchmarks)
// count with.
var noMetrics = func() *metrics {
	m, _ := newMetrics(nil, time.Now)
	return m
}()

// newMetrics creates the synchronous instruments on mp, or no-ops when mp
// is nil.
func newMetrics(mp metric.MeterProvider, now func() time.Time) (*metrics, error) {
	m := &metrics{on: mp != nil, now: now}
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	meter := mp.Meter(meterName)
	var errs [6]error
	m.messages, errs[0] = meter.Int64Counter("livechat.messages",
		metric.WithUnit("{message}"), metric.WithDescription("Messages stored, by sender kind."))
	m.deliveries, errs[1] = meter.Int64Counter("livechat.deliveries",
		metric.WithUnit("{delivery}"), metric.WithDescription("Live event frames queued to this node's WebSockets, by recipient kind."))
	m.latency, errs[2] = meter.Float64Histogram("livechat.delivery.duration",
		metric.WithUnit("s"), metric.WithDescription("Time from a message being stored to its frame being queued to this node's WebSockets, by recipient kind."),
		metric.WithExplicitBucketBoundaries(deliveryBuckets...))
	m.assignments, errs[3] = meter.Int64Counter("livechat.assignments",
		metric.WithUnit("{assignment}"), metric.WithDescription("Conversations assigned to an agent, by routing or by hand."))
	m.limited, errs[4] = meter.Int64Counter("livechat.rate_limited",
		metric.WithUnit("{request}"), metric.WithDescription("Requests and frames refused by a rate limit or a connection cap, by limit."))
	m.errors, errs[5] = meter.Int64Counter("livechat.errors",
		metric.WithUnit("{error}"), metric.WithDescription("Errors answered to clients, by protocol error code."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return m, nil
}

// observe registers the observable instruments: this node's open
// WebSockets and the conversations waiting for an agent, read when the
// metrics are collected. waiting reads the Storage.
func (m *metrics) observe(mp metric.MeterProvider, conns func() (visitors, agents int), waiting func(context.Context) (int, error)) error {
	if mp == nil {
		return nil
	}
	meter := mp.Meter(meterName)
	open, err := meter.Int64ObservableUpDownCounter("livechat.connections",
		metric.WithUnit("{connection}"), metric.WithDescription("WebSockets open on this node, by participant kind."))
	if err != nil {
		return err
	}
	queue, err := meter.Int64ObservableGauge("livechat.conversations.waiting",
		metric.WithUnit("{conversation}"), metric.WithDescription("Open conversations without an agent, as the Storage has them (all nodes), counted up to 1000."))
	if err != nil {
		return err
	}
	m.reg, err = meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		v, a := conns()
		o.ObserveInt64(open, int64(v), visitorConns...)
		o.ObserveInt64(open, int64(a), agentConns...)
		n, err := waiting(ctx)
		if err != nil {
			return err
		}
		o.ObserveInt64(queue, int64(n))
		return nil
	}, open, queue)
	return err
}

// close unregisters the observable instruments' callback.
func (m *metrics) close() {
	if m.reg != nil {
		_ = m.reg.Unregister()
		m.reg = nil
	}
}

// message counts a stored message.
func (m *metrics) message(sender SenderKind) {
	switch sender {
	case SenderVisitor:
		m.messages.Add(context.Background(), 1, byVisitor...)
	case SenderAgent:
		m.messages.Add(context.Background(), 1, byAgent...)
	case SenderSystem:
		m.messages.Add(context.Background(), 1, bySystem...)
	case SenderNote:
		m.messages.Add(context.Background(), 1, byNote...)
	default:
		m.messages.Add(context.Background(), 1, metric.WithAttributes(attribute.String(attrSender, string(sender))))
	}
}

// delivered counts n frames of one event queued to agents' or visitors'
// connections, and for a message its latency once.
func (m *metrics) delivered(toAgents bool, n int, msg *Message) {
	if n == 0 {
		return
	}
	add, rec := toVisitor, toVisitorLatency
	if toAgents {
		add, rec = toAgent, toAgentLatency
	}
	ctx := context.Background()
	m.deliveries.Add(ctx, int64(n), add...)
	if m.on && msg != nil && !msg.CreatedAt.IsZero() {
		m.latency.Record(ctx, max(m.now().Sub(msg.CreatedAt).Seconds(), 0), rec...)
	}
}

// assigned counts an assignment, by routing or by hand.
func (m *metrics) assigned(byRouter bool) {
	if byRouter {
		m.assignments.Add(context.Background(), 1, byRouting...)
	} else {
		m.assignments.Add(context.Background(), 1, byHand...)
	}
}

// countRefusals makes l count its refusals as k's; l may be nil (no
// limit).
func (m *metrics) countRefusals(l *keyedLimiter, k limitKind) {
	if l != nil {
		l.refused = func() { m.refused(k) }
	}
}

// refused counts a refusal by a limit.
func (m *metrics) refused(k limitKind) {
	m.limited.Add(context.Background(), 1, limitSets[k]...)
}

// failed counts an error answered to a client under its protocol code.
func (m *metrics) failed(code string) {
	if set, ok := errorSets[code]; ok {
		m.errors.Add(context.Background(), 1, set...)
		return
	}
	m.errors.Add(context.Background(), 1, metric.WithAttributes(attribute.String(attrErrorType, code)))
}
