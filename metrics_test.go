package livechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/golivechat/livechat"
)

// collected is one collection of the Handler's metrics: each data point's
// value by metric name and its attributes ("key=value", "" for none).
type collected struct {
	units  map[string]string
	values map[string]map[string]float64
	counts map[string]map[string]uint64 // histograms: how many recorded
}

func collect(t *testing.T, r *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	c := collected{units: map[string]string{}, values: map[string]map[string]float64{}, counts: map[string]map[string]uint64{}}
	key := func(s attribute.Set) string {
		out := ""
		for _, kv := range s.ToSlice() {
			out += string(kv.Key) + "=" + kv.Value.String()
		}
		return out
	}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, "github.com/golivechat/livechat", sm.Scope.Name)
		for _, m := range sm.Metrics {
			c.units[m.Name] = m.Unit
			vals := map[string]float64{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					vals[key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					vals[key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				counts := map[string]uint64{}
				for _, p := range d.DataPoints {
					counts[key(p.Attributes)] = p.Count
					vals[key(p.Attributes)] = p.Sum
				}
				c.counts[m.Name] = counts
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
			c.values[m.Name] = vals
		}
	}
	return c
}

// The metrics follow a conversation through the Handler: connections by
// kind, the queue, an assignment by hand, messages by sender, deliveries
// and their latency by recipient, and a refused send counted both as a
// rate-limited request and as an error by its code.
func TestMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	e := newEnv(t, func(c *livechat.Config) {
		c.MeterProvider = mp
		c.VisitorBurst, c.VisitorRate = 2, 0.001
	})
	conv, vws, agent := e.liveChat()

	m := collect(t, reader)
	require.Equal(t, map[string]float64{"livechat.participant=agent": 1, "livechat.participant=visitor": 1}, m.values["livechat.connections"])
	require.Equal(t, map[string]float64{"": 1}, m.values["livechat.conversations.waiting"], "nobody was available to take it")

	status, _ := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/assign", map[string]any{"agentId": "a1"})
	require.Equal(t, 200, status)
	agent.nextOf("conversation")

	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "Hello there"})
	vws.nextOf("ack")
	agent.nextOf("message")
	agent.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "a1", "text": "Hi!"})
	agent.nextOf("ack")
	require.Equal(t, "Hi!", msgText(vws.nextOf("message")))
	// The visitor's burst of 2 is spent: the third is refused.
	vws.send(map[string]any{"type": "send", "ref": "r3", "conversationId": conv, "clientMessageId": "c2", "text": "again"})
	vws.nextOf("ack")
	vws.send(map[string]any{"type": "send", "ref": "r4", "conversationId": conv, "clientMessageId": "c3", "text": "and again"})
	require.Equal(t, "rate_limited", vws.nextOf("error")["code"])
	// An unknown route is an error too.
	status, _ = e.agentDo("a1", "GET", "api/v1/agent/nothing-here", nil)
	require.Equal(t, 404, status)

	m = collect(t, reader)
	require.Equal(t, map[string]float64{"": 0}, m.values["livechat.conversations.waiting"])
	require.Equal(t, map[string]float64{"livechat.assigned_by=manual": 1}, m.values["livechat.assignments"])
	require.Equal(t, map[string]float64{"livechat.sender=visitor": 2, "livechat.sender=agent": 1}, m.values["livechat.messages"])
	// The agent's inbox received both visitor messages and the agent's own
	// reply is acked, not delivered; the visitor received the reply.
	deliveries := m.values["livechat.deliveries"]
	require.GreaterOrEqual(t, deliveries["livechat.participant=agent"], 2.0)
	require.GreaterOrEqual(t, deliveries["livechat.participant=visitor"], 1.0)
	latency := m.counts["livechat.delivery.duration"]
	require.GreaterOrEqual(t, latency["livechat.participant=agent"], uint64(2))
	require.GreaterOrEqual(t, latency["livechat.participant=visitor"], uint64(1))
	require.Less(t, m.values["livechat.delivery.duration"]["livechat.participant=agent"], 10.0, "seconds, not nanoseconds")
	require.Equal(t, map[string]float64{"livechat.limit=message": 1}, m.values["livechat.rate_limited"])
	require.Equal(t, map[string]float64{"error.type=rate_limited": 1, "error.type=not_found": 1}, m.values["livechat.errors"])

	require.Equal(t, map[string]string{
		"livechat.connections":           "{connection}",
		"livechat.conversations.waiting": "{conversation}",
		"livechat.messages":              "{message}",
		"livechat.deliveries":            "{delivery}",
		"livechat.delivery.duration":     "s",
		"livechat.assignments":           "{assignment}",
		"livechat.rate_limited":          "{request}",
		"livechat.errors":                "{error}",
	}, m.units)

	// Closing the Handler unregisters the observations.
	vws.close()
	agent.close()
	require.NoError(t, e.chat.Close())
	m = collect(t, reader)
	require.NotContains(t, m.values, "livechat.connections")
}

// Routing counts its assignments apart from those made by hand.
func TestMetricsRouting(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	e := newEnv(t, func(c *livechat.Config) { c.MeterProvider = mp })
	agent := e.dialAgent("a1")
	defer agent.close()
	status, _ := e.agentDo("a1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(t, 200, status)
	e.newVisitor().start()

	m := collect(t, reader)
	require.Equal(t, map[string]float64{"livechat.assigned_by=routing": 1}, m.values["livechat.assignments"])
	require.Equal(t, map[string]float64{"": 0}, m.values["livechat.conversations.waiting"])
}
