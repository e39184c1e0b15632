package livechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/invalid"
)

// flowEditor creates, changes and deletes the stored chatflows, for the
// admin API and the host's Go API; the flowCache sees each change at once
// on this node.
type flowEditor struct {
	cfg   *Config // read only
	store Storage
	flows *flowCache
	out   *outbox
	now   func() time.Time
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
func (fe *flowEditor) seedFlows(ctx context.Context) error {
	flows := fe.cfg.Flows
	if len(flows) == 0 {
		stored, err := fe.store.Chatflows(ctx)
		if err != nil {
			return err
		}
		if len(stored) > 0 {
			return nil
		}
		f := flow.New("Default")
		f.ID = DefaultChatflowID
		f.Build.Welcome = fe.cfg.Welcome
		f.Display.Heading.Title = fe.cfg.Title
		f.Display.Heading.Subtitle = fe.cfg.Subtitle
		f.Display.AccentColor = fe.cfg.AccentColor
		flows = []*flow.Chatflow{f}
	}
	for _, f := range flows {
		if _, err := fe.store.Chatflow(ctx, f.ID); err == nil {
			continue
		} else if !isNotFound(err) {
			return err
		}
		if _, err := fe.putFlow(ctx, f, 0); err != nil && !errors.Is(err, ErrConflict) {
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
func (fe *flowEditor) putFlow(ctx context.Context, f *flow.Chatflow, version int64) (*compiledFlow, error) {
	if err := f.Validate(); err != nil {
		return nil, asInvalidFlow(err)
	}
	now := fe.now().UTC()
	cp := *f
	if version == 0 {
		cp.CreatedAt = now
	}
	cp.UpdatedAt = now
	data, err := json.Marshal(&cp)
	if err != nil {
		return nil, err
	}
	rec, err := fe.store.PutChatflow(ctx, &ChatflowRecord{ID: cp.ID, Data: data, UpdatedAt: now}, version)
	switch {
	case errors.Is(err, ErrConflict) && version == 0:
		return nil, fmt.Errorf("%w (%w)", errChatflowExists, err)
	case errors.Is(err, ErrConflict):
		return nil, fmt.Errorf("%w (%w)", errStaleChatflow, err)
	case err != nil:
		return nil, err
	}
	fe.changed(ctx, cp.ID)
	return &compiledFlow{flow: &cp, version: rec.Version}, nil
}

// changed tells this node's cache, and through the broker every other
// node's, that a chatflow changed.
func (fe *flowEditor) changed(ctx context.Context, id string) {
	fe.flows.invalidate()
	payload, _ := json.Marshal(map[string]string{"chatflow": id})
	if err := fe.out.broker.Publish(ctx, chatflowsTopic, payload); err != nil {
		// Other nodes read the chatflows again within flowRefresh.
		fe.out.log.Warn("livechat: publish a chatflow change", "chatflow", id, "err", err)
	}
}

// list returns every stored chatflow, ordered by ID.
func (fe *flowEditor) list(ctx context.Context) ([]StoredChatflow, error) {
	recs, err := fe.store.Chatflows(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StoredChatflow, 0, len(recs))
	for _, rec := range recs {
		f, err := flow.Parse(rec.Data)
		if err != nil {
			return nil, fmt.Errorf("livechat: stored chatflow %q: %w", rec.ID, err)
		}
		out = append(out, StoredChatflow{Version: rec.Version, Chatflow: f})
	}
	return out, nil
}

// get returns one stored chatflow.
func (fe *flowEditor) get(ctx context.Context, id string) (StoredChatflow, error) {
	rec, err := fe.store.Chatflow(ctx, id)
	if err != nil {
		return StoredChatflow{}, err
	}
	f, err := flow.Parse(rec.Data)
	if err != nil {
		return StoredChatflow{}, fmt.Errorf("livechat: stored chatflow %q: %w", rec.ID, err)
	}
	return StoredChatflow{Version: rec.Version, Chatflow: f}, nil
}

// create validates and stores a new chatflow; see Handler.CreateChatflow.
func (fe *flowEditor) create(ctx context.Context, f *flow.Chatflow) (StoredChatflow, error) {
	cp := *f
	if cp.ID == "" {
		cp.ID = newID()
	}
	cf, err := fe.putFlow(ctx, &cp, 0)
	if err != nil {
		return StoredChatflow{}, err
	}
	return StoredChatflow{Version: cf.version, Chatflow: cf.flow}, nil
}

// update replaces a stored chatflow at version; see Handler.UpdateChatflow.
func (fe *flowEditor) update(ctx context.Context, f *flow.Chatflow, version int64) (StoredChatflow, error) {
	if version <= 0 {
		return StoredChatflow{}, publicf(ErrInvalid, "a version is required to update a chatflow")
	}
	cur, err := fe.get(ctx, f.ID)
	if err != nil {
		return StoredChatflow{}, err
	}
	cp := *f
	cp.CreatedAt = cur.Chatflow.CreatedAt
	cf, err := fe.putFlow(ctx, &cp, version)
	if err != nil {
		return StoredChatflow{}, err
	}
	cf.flow.CreatedAt = cur.Chatflow.CreatedAt
	return StoredChatflow{Version: cf.version, Chatflow: cf.flow}, nil
}

// publish turns a chatflow on or off; see Handler.PublishChatflow.
func (fe *flowEditor) publish(ctx context.Context, id string, on bool, version int64) (StoredChatflow, error) {
	cur, err := fe.get(ctx, id)
	if err != nil {
		return StoredChatflow{}, err
	}
	if version == 0 {
		version = cur.Version
	}
	cur.Chatflow.Enabled = on
	return fe.update(ctx, cur.Chatflow, version)
}

// delete removes a chatflow; see Handler.DeleteChatflow.
func (fe *flowEditor) delete(ctx context.Context, id string, version int64) error {
	if version != 0 {
		cur, err := fe.store.Chatflow(ctx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return fmt.Errorf("%w: chatflow %q is at version %d, not %d", errStaleChatflow, id, cur.Version, version)
		}
	}
	if err := fe.store.DeleteChatflow(ctx, id); err != nil {
		return err
	}
	fe.changed(ctx, id)
	return nil
}
