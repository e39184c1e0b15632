package livechat

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

// flowRefresh is how long a node trusts its copy of the chatflows before it
// reads them again. Changes made through any node apply at once (the
// chatflows topic, and a re-read when the broker comes back); this only
// bounds how long a change made around the Handler, in the Storage
// itself, takes to show.
const flowRefresh = time.Minute

// compiledFlow is a stored chatflow ready to serve.
type compiledFlow struct {
	flow    *flow.Chatflow
	version int64
	matcher *targeting.Matcher
}

// flowSet is an immutable snapshot of every chatflow and the selector over
// the published ones.
type flowSet struct {
	byID     map[string]*compiledFlow
	selector *targeting.Selector
	loadedAt time.Time
	// explicitConsent lists the chatflows that ask for explicit consent
	// before a visitor may send (see checkConsent).
	explicitConsent []string
}

// flowCache keeps the current flowSet, reloading it from Storage when it is
// older than flowRefresh. It only loads, compiles and selects chatflows;
// the flowEditor changes them.
type flowCache struct {
	store Storage
	now   func() time.Time
	log   *slog.Logger

	mu    sync.Mutex // serialises reloads
	cur   *flowSet
	stale bool
}

func (c *flowCache) invalidate() {
	c.mu.Lock()
	c.stale = true
	c.mu.Unlock()
}

// set returns the current chatflows, reloading them when stale.
func (c *flowCache) set(ctx context.Context) (*flowSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.cur != nil && !c.stale && now.Sub(c.cur.loadedAt) < flowRefresh && now.Sub(c.cur.loadedAt) >= 0 {
		return c.cur, nil
	}
	recs, err := c.store.Chatflows(ctx)
	if err != nil {
		return nil, fmt.Errorf("livechat: load chatflows: %w", err)
	}
	set := &flowSet{byID: make(map[string]*compiledFlow, len(recs)), loadedAt: now}
	var cands []targeting.Candidate
	for _, rec := range recs {
		cf := (*compiledFlow)(nil)
		if c.cur != nil {
			if old := c.cur.byID[rec.ID]; old != nil && old.version == rec.Version {
				cf = old // unchanged: keep its compiled rules
			}
		}
		if cf == nil {
			f, err := flow.Parse(rec.Data)
			if err != nil {
				c.log.Error("livechat: stored chatflow is invalid; it is not shown", "chatflow", rec.ID, "err", err)
				continue
			}
			m, err := targeting.Compile(f.Target)
			if err != nil {
				c.log.Error("livechat: stored chatflow targeting is invalid; it is not shown", "chatflow", rec.ID, "err", err)
				continue
			}
			cf = &compiledFlow{flow: f, version: rec.Version, matcher: m}
		}
		set.byID[rec.ID] = cf
		if explicitConsent(cf.flow) {
			set.explicitConsent = append(set.explicitConsent, rec.ID)
		}
		if cf.flow.Enabled {
			cands = append(cands, targeting.Candidate{ID: rec.ID, Priority: cf.flow.Priority, Matcher: cf.matcher})
		}
	}
	set.selector = targeting.NewSelector(cands)
	c.cur, c.stale = set, false
	return set, nil
}

// flowFor returns the chatflow of a conversation, or nil.
func (c *flowCache) flowFor(ctx context.Context, chatflowID string) *flow.Chatflow {
	if chatflowID == "" {
		return nil
	}
	set, err := c.set(ctx)
	if err != nil {
		return nil
	}
	if cf := set.byID[chatflowID]; cf != nil {
		return cf.flow
	}
	return nil
}

// explicitConsentFlows returns the ids of the chatflows that ask for
// explicit consent, or false when the chatflows cannot be loaded (then
// flowFor finds none).
func (c *flowCache) explicitConsentFlows(ctx context.Context) ([]string, bool) {
	set, err := c.set(ctx)
	if err != nil {
		return nil, false
	}
	return set.explicitConsent, true
}

// brandAlias returns the name that stands in for agents in a chatflow's
// conversations, or "".
func brandAlias(f *flow.Chatflow) string {
	if f != nil && f.Display.Heading.Kind == flow.HeadingBrand && f.Display.Heading.BrandAlias {
		return f.Display.Heading.BrandName
	}
	return ""
}
