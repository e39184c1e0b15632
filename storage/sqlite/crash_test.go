package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
)

// crashChildEnv names the database file the child process of
// TestAcknowledgedAppendsSurviveKill appends to.
const crashChildEnv = "LIVECHAT_SQLITE_CRASH_CHILD"

// crashConversations is the number of conversations, and of goroutines
// appending to them, in the child process.
const crashConversations = 20

// TestAcknowledgedAppendsSurviveKill runs a process that appends from 20
// goroutines, each to a conversation of its own, and prints every append
// as soon as the Store has acknowledged it; the test kills that process
// with SIGKILL in the middle of its appends, reopens the file and finds
// every acknowledged message with its sequence number, in sequences with
// no gaps, and the next append continuing them.
func TestAcknowledgedAppendsSurviveKill(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		appendUntilKilled(t, path)
		return
	}
	ctx := context.Background()
	path := tempPath(t)
	s, err := sqlite.Open(path)
	require.NoError(t, err)
	for i := range crashConversations {
		mustCreateConversation(t, s, fmt.Sprintf("c%d", i))
	}
	require.NoError(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedAppendsSurviveKill$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	type ack struct {
		conv, id string
		seq      int64
	}
	var acks []ack
	lines := bufio.NewScanner(out)
	for lines.Scan() && len(acks) < 2000 {
		f := strings.Fields(lines.Text())
		if len(f) != 3 {
			continue // the test framework's own output
		}
		seq, err := strconv.ParseInt(f[1], 10, 64)
		require.NoError(t, err)
		acks = append(acks, ack{conv: f[0], seq: seq, id: f[2]})
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	for lines.Scan() { // acknowledged before the kill took effect
		if f := strings.Fields(lines.Text()); len(f) == 3 {
			seq, _ := strconv.ParseInt(f[1], 10, 64)
			acks = append(acks, ack{conv: f[0], seq: seq, id: f[2]})
		}
	}
	err = cmd.Wait()
	require.Error(t, err, "killed")
	require.GreaterOrEqual(t, len(acks), 2000, "appends acknowledged before the kill")

	s = mustOpen(t, path)
	for _, a := range acks {
		got, err := s.Messages(ctx, a.conv, a.seq-1, 1)
		require.NoError(t, err)
		require.Len(t, got, 1, "acknowledged message %s of %s", a.id, a.conv)
		require.Equal(t, a.id, got[0].ID)
		require.Equal(t, a.seq, got[0].Seq)
	}
	for i := range crashConversations {
		conv := fmt.Sprintf("c%d", i)
		c, err := s.Conversation(ctx, conv)
		require.NoError(t, err)
		all, err := s.Messages(ctx, conv, 0, int(c.LastSeq)+1)
		require.NoError(t, err)
		require.Len(t, all, int(c.LastSeq), "no gap in %s", conv)
		for j, m := range all {
			require.EqualValues(t, j+1, m.Seq)
		}
		m, created, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: conv, Sender: livechat.SenderVisitor, AuthorID: "v-" + conv, Text: "after the kill"})
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, c.LastSeq+1, m.Seq)
	}
}

// appendUntilKilled is the child of TestAcknowledgedAppendsSurviveKill: it
// appends until it is killed, printing "conversation seq id" for each
// acknowledged append.
func appendUntilKilled(t *testing.T, path string) {
	s, err := sqlite.Open(path)
	require.NoError(t, err)
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range crashConversations {
		wg.Go(func() {
			conv := fmt.Sprintf("c%d", i)
			for n := 0; ; n++ {
				m, _, _, err := s.AppendMessageIf(ctx, &livechat.Message{ConversationID: conv, ClientMsgID: strconv.Itoa(n),
					Sender: livechat.SenderVisitor, AuthorID: "v-" + conv, Text: shortText}, livechat.AppendCondition{VisitorID: "v-" + conv})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "%s %d %s\n", m.ConversationID, m.Seq, m.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
