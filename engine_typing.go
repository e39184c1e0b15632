package livechat

import (
	"context"
	"time"

	"github.com/golivechat/livechat/internal/typing"
)

// typing forwards a typing indicator, coalesced (package internal/typing);
// it is not stored.
func (e *engine) typing(ctx context.Context, convID, participant string, on bool) {
	if e.typists.Admit(typing.Key{ConversationID: convID, Participant: participant}, on, e.now()) {
		e.out.publish(ctx, Event{Type: EventTyping, ConversationID: convID, Participant: participant, Typing: on})
	}
}

// runTyping publishes the automatic stops until ctx is done.
func (e *engine) runTyping(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, k := range e.typists.Expire(e.now()) {
				e.out.publish(ctx, Event{Type: EventTyping, ConversationID: k.ConversationID, Participant: k.Participant, Typing: false})
			}
		}
	}
}
