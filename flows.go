package livechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/invalid"
	"github.com/golivechat/livechat/targeting"
)

// DefaultChatflowID is the id of the chatflow a Handler creates when the
// Storage has none and Config.Flows is empty.
const DefaultChatflowID = "default"

// flowRefresh is how long a node trusts its copy of the chatflows before it
// reads them again; changes made on this node apply at once.
const flowRefresh = 2 * time.Second

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
}

// flowCache keeps the current flowSet, reloading it from Storage when it is
// older than flowRefresh.
type flowCache struct {
	mu    sync.Mutex // serialises reloads
	cur   *flowSet
	stale bool
}

var (
	errChatflowExists = publicf(ErrConflict, "a chatflow with this id exists")
	errStaleChatflow  = publicf(ErrConflict, "the chatflow has changed since that version: get it again")
)

// invalidFlow carries a chatflow's field errors; it is ErrInvalid.
type invalidFlow struct {
	fields invalid.Fields
	msg    string
}

// Error says what is wrong with the chatflow.
func (e *invalidFlow) Error() string { return "livechat: invalid chatflow: " + e.msg }

// Is makes an invalid chatflow an ErrInvalid.
func (e *invalidFlow) Is(target error) bool { return target == ErrInvalid }

// asInvalidFlow converts flow validation errors to an ErrInvalid carrying
// every field error.
func asInvalidFlow(err error) error {
	if err == nil {
		return nil
	}
	var fe invalid.Fields
	if errors.As(err, &fe) {
		return &invalidFlow{msg: fe.Error(), fields: fe}
	}
	return &invalidFlow{msg: err.Error()}
}

// seedFlows stores the chatflows of Config.Flows that the Storage does not
// have yet, or a default chatflow when there are none at all. Stored
// chatflows win over Config, so edits made at run time survive restarts.
func (h *Handler) seedFlows(ctx context.Context) error {
	flows := h.cfg.Flows
	if len(flows) == 0 {
		stored, err := h.store.Chatflows(ctx)
		if err != nil {
			return err
		}
		if len(stored) > 0 {
			return nil
		}
		f := flow.New("Default")
		f.ID = DefaultChatflowID
		f.Build.Welcome = h.cfg.Welcome
		f.Display.Heading.Title = h.cfg.Title
		f.Display.Heading.Subtitle = h.cfg.Subtitle
		f.Display.AccentColor = h.cfg.AccentColor
		flows = []*flow.Chatflow{f}
	}
	for _, f := range flows {
		if _, err := h.store.Chatflow(ctx, f.ID); err == nil {
			continue
		} else if !isNotFound(err) {
			return err
		}
		if _, err := h.putFlow(ctx, f, 0); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return nil
}

//lint:file-ignore ST1005 invalid-Config errors start with the field they name.

// checkConfigFlows validates Config.Flows for New.
func checkConfigFlows(flows []*flow.Chatflow) []error {
	var errs []error
	seen := map[string]bool{}
	for i, f := range flows {
		switch {
		case f == nil:
			errs = append(errs, fmt.Errorf("Flows[%d] is nil", i))
			continue
		case f.ID == "":
			errs = append(errs, fmt.Errorf("Flows[%d] (%q) needs an ID, so that it is the same chatflow after a restart", i, f.Name))
		case seen[f.ID]:
			errs = append(errs, fmt.Errorf("Flows[%d]: ID %q is used twice", i, f.ID))
		}
		seen[f.ID] = true
		if err := f.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Flows[%d] (%q): %w", i, f.ID, err))
		}
	}
	return errs
}

// putFlow validates and stores a chatflow; version 0 creates it.
func (h *Handler) putFlow(ctx context.Context, f *flow.Chatflow, version int64) (*compiledFlow, error) {
	if err := f.Validate(); err != nil {
		return nil, asInvalidFlow(err)
	}
	now := h.now().UTC()
	cp := *f
	if version == 0 {
		cp.CreatedAt = now
	}
	cp.UpdatedAt = now
	data, err := json.Marshal(&cp)
	if err != nil {
		return nil, err
	}
	rec, err := h.store.PutChatflow(ctx, &ChatflowRecord{ID: cp.ID, Data: data, UpdatedAt: now}, version)
	switch {
	case errors.Is(err, ErrConflict) && version == 0:
		return nil, fmt.Errorf("%w (%w)", errChatflowExists, err)
	case errors.Is(err, ErrConflict):
		return nil, fmt.Errorf("%w (%w)", errStaleChatflow, err)
	case err != nil:
		return nil, err
	}
	h.flows.invalidate()
	return &compiledFlow{flow: &cp, version: rec.Version}, nil
}

func (c *flowCache) invalidate() {
	c.mu.Lock()
	c.stale = true
	c.mu.Unlock()
}

// flowSet returns the current chatflows, reloading them when stale.
func (h *Handler) flowSet(ctx context.Context) (*flowSet, error) {
	c := &h.flows
	c.mu.Lock()
	defer c.mu.Unlock()
	now := h.now()
	if c.cur != nil && !c.stale && now.Sub(c.cur.loadedAt) < flowRefresh && now.Sub(c.cur.loadedAt) >= 0 {
		return c.cur, nil
	}
	recs, err := h.store.Chatflows(ctx)
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
				h.log.Error("livechat: stored chatflow is invalid; it is not shown", "chatflow", rec.ID, "err", err)
				continue
			}
			m, err := targeting.Compile(f.Target)
			if err != nil {
				h.log.Error("livechat: stored chatflow targeting is invalid; it is not shown", "chatflow", rec.ID, "err", err)
				continue
			}
			cf = &compiledFlow{flow: f, version: rec.Version, matcher: m}
		}
		set.byID[rec.ID] = cf
		if cf.flow.Enabled {
			cands = append(cands, targeting.Candidate{ID: rec.ID, Priority: cf.flow.Priority, Matcher: cf.matcher})
		}
	}
	set.selector = targeting.NewSelector(cands)
	c.cur, c.stale = set, false
	return set, nil
}

// flowFor returns the chatflow of a conversation, or nil.
func (h *Handler) flowFor(ctx context.Context, chatflowID string) *flow.Chatflow {
	if chatflowID == "" {
		return nil
	}
	set, err := h.flowSet(ctx)
	if err != nil {
		return nil
	}
	if cf := set.byID[chatflowID]; cf != nil {
		return cf.flow
	}
	return nil
}

// brandAlias returns the name that stands in for agents in a chatflow's
// conversations, or "".
func brandAlias(f *flow.Chatflow) string {
	if f != nil && f.Display.Heading.Kind == flow.HeadingBrand && f.Display.Heading.BrandAlias {
		return f.Display.Heading.BrandName
	}
	return ""
}

// aliasMessages returns msgs as a visitor of the conversation sees them:
// with the brand standing in for agents when the chatflow says so.
func aliasMessages(msgs []*Message, alias string) []*Message {
	if alias == "" {
		return msgs
	}
	out := make([]*Message, len(msgs))
	for i, m := range msgs {
		out[i] = aliasMessage(m, alias)
	}
	return out
}

func aliasMessage(m *Message, alias string) *Message {
	if m == nil || alias == "" || m.Sender != SenderAgent {
		return m
	}
	cp := *m
	cp.AuthorName = alias
	return &cp
}
