package typing_test

import (
	"fmt"
	"time"

	"github.com/golivechat/livechat/internal/typing"
)

func ExampleGate() {
	g := typing.New()
	k := typing.Key{ConversationID: "c1", Participant: "visitor"}
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	fmt.Println(g.Admit(k, true, start))                           // the first keystroke is told
	fmt.Println(g.Admit(k, true, start.Add(300*time.Millisecond))) // the next, within a second, is not
	fmt.Println(g.Expire(start.Add(time.Second + typing.Timeout))) // silence stops it
	// Output:
	// true
	// false
	// [{c1 visitor}]
}
