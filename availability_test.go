package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/flow"
)

// makeAvailable signs an agent in, sets them available and records a live
// inbox at the Handler's clock.
func (e *testEnv) makeAvailable(t *testing.T, id string, at time.Time) {
	t.Helper()
	status, body := e.agentDo(id, "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(t, 200, status, "%v", body)
	require.NoError(t, e.store.TouchAgent(context.Background(), id, at))
}

func officeFlow() *flow.Chatflow {
	f := flow.New("Office")
	f.ID = "office"
	f.Availability.Mode = availability.ModeOfficeHours
	f.Availability.OfficeHours.TimeZone = "Europe/Stockholm"
	f.Availability.OfficeHours.Days = availability.Days{}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		f.Availability.OfficeHours.Days.Set(d, availability.Range{Start: "09:00", End: "17:00"})
	}
	f.Availability.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyMinutes}
	f.Availability.Offline = availability.OfflineDisplay{Behavior: availability.OfflineReturnTime}
	return f
}

func TestAvailabilityConfig(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, stockholm) // a Saturday
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setClock := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	e := newEnv(t, func(c *livechat.Config) {
		c.Now = clock
		c.Flows = []*flow.Chatflow{officeFlow()}
		c.DefaultCapacity = 1
	})
	v := e.newVisitor()
	avail := func() map[string]any {
		t.Helper()
		return v.configFor("https://shop.example/")["availability"].(map[string]any)
	}

	got := avail()
	require.Equal(t, "offline", got["status"])
	require.Equal(t, "return_time", got["notice"])
	next, err := time.Parse(time.RFC3339, got["nextOpening"].(string))
	require.NoError(t, err)
	require.True(t, next.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, stockholm)), "next opening %v", next)

	setClock(time.Date(2026, 11, 30, 10, 0, 0, 0, stockholm)) // Monday, nobody there
	require.Equal(t, "away", avail()["status"])

	e.makeAvailable(t, "a1", clock())
	got = avail()
	require.Equal(t, "available", got["status"])
	require.Equal(t, "reply_time", got["notice"])
	require.Equal(t, "minutes", got["replyTime"])

	// The only agent takes one conversation and is then full.
	other := e.newVisitor()
	other.start()
	conv, err := e.store.Conversation(context.Background(), other.conv)
	require.NoError(t, err)
	require.Equal(t, "a1", conv.AssigneeID)
	require.Equal(t, "at_capacity", avail()["status"])

	// Two minutes and a bit after the agent's inbox was last seen, they
	// count as away.
	setClock(clock().Add(2*time.Minute + time.Second))
	require.Equal(t, "away", avail()["status"])
}

// 200 conversations start at once against 5 agents of capacity 10: no
// agent ever gets more than 10, the rest wait in order, and a close lets
// the oldest waiting one in.
func TestCapacityUnderLoad(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(c *livechat.Config) { c.DefaultCapacity = 10 })
	now := time.Now()
	for i := range 5 {
		e.makeAvailable(t, fmt.Sprint("agent", i), now)
	}
	const n = 200
	visitors := make([]string, n)
	for i := range visitors {
		visitors[i] = fmt.Sprintf("v%03d", i)
		require.NoError(t, e.store.CreateVisitor(ctx, &livechat.Visitor{ID: visitors[i], CreatedAt: now}))
	}
	var wg sync.WaitGroup
	for _, id := range visitors {
		wg.Go(func() {
			_, _, err := e.chat.StartConversation(ctx, id, "https://shop.example/")
			require.NoError(t, err)
		})
	}
	wg.Wait()
	counts, err := e.store.OpenCounts(ctx)
	require.NoError(t, err)
	total := 0
	for agent, c := range counts {
		require.LessOrEqual(t, c, 10, "agent %s over capacity", agent)
		total += c
	}
	require.Equal(t, 50, total)
	waiting, err := e.chat.Conversations(ctx, livechat.ConversationFilter{Status: livechat.StatusOpen, Unassigned: true, OldestFirst: true, Limit: 1000})
	require.NoError(t, err)
	require.Len(t, waiting, 150)

	// The visitor of the oldest waiting conversation is first in the queue.
	first := waiting[0]
	assigned, err := e.chat.Conversations(ctx, livechat.ConversationFilter{AssigneeID: "agent0", Status: livechat.StatusOpen})
	require.NoError(t, err)
	_, err = e.chat.CloseConversation(ctx, assigned[0].ID, "agent0")
	require.NoError(t, err)
	got, err := e.chat.Conversation(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, "agent0", got.AssigneeID, "a close hands the oldest waiting conversation to the agent with room")
}

func TestQueuePositionAndManualAssign(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.DefaultCapacity = 1 })
	e.makeAvailable(t, "a1", time.Now())
	v1, v2, v3 := e.newVisitor(), e.newVisitor(), e.newVisitor()
	v1.start()
	v2.start()
	v3.start()
	pos := func(v *visitor) float64 {
		status, body := v.do("GET", "api/v1/visitor/conversations/"+v.conv+"/queue", nil)
		require.Equal(t, 200, status, "%v", body)
		return body["position"].(float64)
	}
	require.EqualValues(t, 0, pos(v1), "assigned")
	require.EqualValues(t, 1, pos(v2))
	require.EqualValues(t, 2, pos(v3))

	// Taking a conversation past one's capacity is refused.
	status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+v2.conv+"/assign", map[string]any{"agentId": "a1"})
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "at_capacity", errCode(body))

	// Closing v1's conversation frees a1, who gets v2's; v3 moves up.
	status, _ = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+v1.conv+"/close", map[string]any{})
	require.Equal(t, 200, status)
	c2, err := e.store.Conversation(context.Background(), v2.conv)
	require.NoError(t, err)
	require.Equal(t, "a1", c2.AssigneeID)
	require.EqualValues(t, 1, pos(v3))

	// Unassigning puts a conversation back in the queue, where it is the
	// oldest: with nobody else free it goes straight back to a1.
	status, _ = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+v2.conv+"/assign", map[string]any{"agentId": ""})
	require.Equal(t, 200, status)
	c2, err = e.store.Conversation(context.Background(), v2.conv)
	require.NoError(t, err)
	require.Equal(t, "a1", c2.AssigneeID)
	require.EqualValues(t, 1, pos(v3))
}

// The team hears of each event once. The clock moves only when the test
// says, so the grace period and the waiting threshold pass by the clock, not
// by sleeping, and a slow machine cannot make the agent look present.
func TestNotifications(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	var mu sync.Mutex
	var got []livechat.Notification
	kinds := func() map[livechat.NotificationKind]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[livechat.NotificationKind]int{}
		for _, n := range got {
			out[n.Kind]++
		}
		return out
	}
	e := newEnv(t, func(c *livechat.Config) {
		c.Notifier = livechat.NotifierFunc(func(ctx context.Context, n livechat.Notification) error {
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
			return nil
		})
		c.PresenceGrace = 200 * time.Millisecond // the periodic work runs every 50 ms of real time
		c.WaitingThreshold = time.Minute
		c.DefaultCapacity = 1
		c.Now = now
	})
	// Nobody available: a new conversation and an offline message.
	v := e.newVisitor()
	v.start()
	status, _ := v.do("POST", "api/v1/visitor/conversations/"+v.conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "anyone?"})
	require.Equal(t, 201, status)
	require.Equal(t, 1, kinds()[livechat.NotifyNewConversation])
	require.Equal(t, 1, kinds()[livechat.NotifyOfflineMessage])

	// An available agent takes the waiting one; then their inbox goes
	// quiet past the grace period, and the visitor's next message reaches
	// them as a notification.
	e.makeAvailable(t, "a1", now())
	require.Eventually(t, func() bool { return kinds()[livechat.NotifyAssigned] >= 1 }, 10*time.Second, 10*time.Millisecond)
	clock.Add(int64(time.Second)) // past the grace period
	status, _ = v.do("POST", "api/v1/visitor/conversations/"+v.conv+"/messages", map[string]any{"clientMessageId": "m2", "text": "still there?"})
	require.Equal(t, 201, status)
	require.Equal(t, 1, kinds()[livechat.NotifyMessageWhileAway])

	// A conversation that has to wait (capacity 1) past the threshold is
	// reported once. The next one is reported by a later tick, which walks
	// the queue oldest first: by then the first was passed over again.
	waited := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for _, n := range got {
			if n.Kind == livechat.NotifyWaiting {
				out[n.ConversationID]++
			}
		}
		return out
	}
	v2 := e.newVisitor()
	v2.start()
	clock.Add(int64(2 * time.Minute))
	require.Eventually(t, func() bool { return waited()[v2.conv] == 1 }, 10*time.Second, 10*time.Millisecond)
	v3 := e.newVisitor()
	v3.start()
	clock.Add(int64(2 * time.Minute))
	require.Eventually(t, func() bool { return waited()[v3.conv] == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string]int{v2.conv: 1, v3.conv: 1}, waited(), "each waiting conversation reported once")
	mu.Lock()
	for _, n := range got {
		require.NotEmpty(t, n.ID)
		require.NotEmpty(t, n.ConversationID)
	}
	mu.Unlock()
}

// With ReassignAfter, an agent who stops being available loses their open
// conversations to an available colleague. The clock moves only when the
// test says, so a slow machine cannot let the grace lapse early.
func TestReassignAway(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	e := newEnv(t, func(c *livechat.Config) {
		c.PresenceGrace = 100 * time.Millisecond
		c.ReassignAfter = 100 * time.Millisecond
		c.Now = now
	})
	e.makeAvailable(t, "a1", now())
	v := e.newVisitor()
	v.start()
	conv, err := e.store.Conversation(context.Background(), v.conv)
	require.NoError(t, err)
	require.Equal(t, "a1", conv.AssigneeID)

	status, _ := e.agentDo("a1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "away"})
	require.Equal(t, 200, status)
	colleague := e.dialAgent("a2") // keeps a2 seen while connected
	status, _ = e.agentDo("a2", "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(t, 200, status)
	clock.Add(int64(time.Second)) // past a1's grace and ReassignAfter; a2 stays seen while connected
	require.Eventually(t, func() bool {
		c, err := e.store.Conversation(context.Background(), v.conv)
		return err == nil && c.AssigneeID == "a2"
	}, 10*time.Second, 20*time.Millisecond)
	colleague.close()
}
