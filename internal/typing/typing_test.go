package typing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/internal/typing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	k  = typing.Key{ConversationID: "c1", Participant: "visitor"}
)

func TestGate(t *testing.T) {
	t.Run("OneTypingASecond", func(t *testing.T) {
		g := typing.New()
		published := 0
		for i := range 100 { // a keystroke every 100 ms for 10 s
			if g.Admit(k, true, t0.Add(time.Duration(i)*100*time.Millisecond)) {
				published++
			}
		}
		require.Equal(t, 10, published)
	})
	t.Run("StopOnlyAfterStart", func(t *testing.T) {
		g := typing.New()
		require.False(t, g.Admit(k, false, t0), "nobody was told it started")
		require.True(t, g.Admit(k, true, t0))
		require.True(t, g.Admit(k, false, t0.Add(100*time.Millisecond)))
		require.False(t, g.Admit(k, false, t0.Add(200*time.Millisecond)), "stopped once")
	})
	t.Run("SilenceStops", func(t *testing.T) {
		g := typing.New()
		require.True(t, g.Admit(k, true, t0))
		require.Empty(t, g.Expire(t0.Add(typing.Timeout-time.Millisecond)))
		require.Equal(t, []typing.Key{k}, g.Expire(t0.Add(typing.Timeout)))
		require.Empty(t, g.Expire(t0.Add(typing.Timeout+time.Millisecond)), "stopped once")
	})
	t.Run("Forgets", func(t *testing.T) {
		g := typing.New()
		for i := range 1000 {
			g.Admit(typing.Key{ConversationID: "c", Participant: string(rune('a' + i%26))}, true, t0)
		}
		require.Equal(t, 26, g.Len())
		g.Expire(t0.Add(typing.Timeout))
		g.Expire(t0.Add(typing.Timeout + typing.Every))
		require.Zero(t, g.Len(), "settled states are forgotten")
	})
	t.Run("Independent", func(t *testing.T) {
		g := typing.New()
		other := typing.Key{ConversationID: "c1", Participant: "agent:a1"}
		require.True(t, g.Admit(k, true, t0))
		require.True(t, g.Admit(other, true, t0))
	})
}
