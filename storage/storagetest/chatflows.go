package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) chatflows(t *testing.T) {
	t.Run("CreateGivesVersionOne", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rec := newChatflow("flow-1")
		got, err := st.PutChatflow(ctx, rec, 0)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		requireChatflow(t, rec, got)

		got, err = st.Chatflow(ctx, rec.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		requireChatflow(t, rec, got)
	})
	t.Run("UpdateWithCurrentVersionIncrements", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.PutChatflow(ctx, newChatflow("flow-1"), 0)
		require.NoError(t, err)
		for version := int64(1); version <= 3; version++ {
			rec := &livechat.ChatflowRecord{
				ID:        "flow-1",
				Data:      json.RawMessage(`{"revision":` + string(rune('0'+version)) + `}`),
				UpdatedAt: at(int(10 * version)),
			}
			got, err := st.PutChatflow(ctx, rec, version)
			require.NoError(t, err)
			require.Equal(t, version+1, got.Version)
			requireChatflow(t, rec, got)

			got, err = st.Chatflow(ctx, "flow-1")
			require.NoError(t, err)
			require.Equal(t, version+1, got.Version)
			requireChatflow(t, rec, got)
		}
	})
	t.Run("StaleVersionIsConflictAndChangesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rec := newChatflow("flow-1")
		_, err := st.PutChatflow(ctx, rec, 0)
		require.NoError(t, err)
		v2 := newChatflow("flow-1")
		v2.Data = json.RawMessage(`{"v":2}`)
		_, err = st.PutChatflow(ctx, v2, 1)
		require.NoError(t, err)

		for _, stale := range []int64{1, 3, 99} {
			bad := &livechat.ChatflowRecord{ID: "flow-1", Data: json.RawMessage(`{"stale":true}`), UpdatedAt: at(50)}
			_, err = st.PutChatflow(ctx, bad, stale)
			require.ErrorIs(t, err, livechat.ErrConflict, "version %d", stale)
		}
		got, err := st.Chatflow(ctx, "flow-1")
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Version)
		requireChatflow(t, v2, got)
	})
	t.Run("CreateOfExistingIDIsConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rec := newChatflow("flow-1")
		_, err := st.PutChatflow(ctx, rec, 0)
		require.NoError(t, err)
		other := newChatflow("flow-1")
		other.Data = json.RawMessage(`{"other":true}`)
		_, err = st.PutChatflow(ctx, other, 0)
		require.ErrorIs(t, err, livechat.ErrConflict)
		got, err := st.Chatflow(ctx, "flow-1")
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		requireChatflow(t, rec, got)
	})
	t.Run("UpdateOfMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.PutChatflow(ctx, newChatflow("missing"), 1)
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.Chatflow(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed update must not create")
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Chatflow(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("DeleteThenGetIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for _, id := range []string{"flow-1", "flow-2"} {
			_, err := st.PutChatflow(ctx, newChatflow(id), 0)
			require.NoError(t, err)
		}
		require.NoError(t, st.DeleteChatflow(ctx, "flow-1"))
		_, err := st.Chatflow(ctx, "flow-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		all, err := st.Chatflows(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"flow-2"}, ids(all, chatflowID))
		_, err = st.PutChatflow(ctx, newChatflow("flow-1"), 1)
		require.ErrorIs(t, err, livechat.ErrNotFound, "update after delete")
	})
	t.Run("CreateAfterDeleteGivesVersionOne", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.PutChatflow(ctx, newChatflow("flow-1"), 0)
		require.NoError(t, err)
		_, err = st.PutChatflow(ctx, newChatflow("flow-1"), 1)
		require.NoError(t, err)
		require.NoError(t, st.DeleteChatflow(ctx, "flow-1"))
		got, err := st.PutChatflow(ctx, newChatflow("flow-1"), 0)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
	})
	t.Run("DeleteMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.ErrorIs(t, st.DeleteChatflow(ctx, "missing"), livechat.ErrNotFound)
	})
	t.Run("EmptyStoreListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		all, err := st.Chatflows(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
	})
	t.Run("ListIsOrderedByIDWithVersions", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for _, id := range []string{"welcome", "after-hours", "pricing"} {
			_, err := st.PutChatflow(ctx, newChatflow(id), 0)
			require.NoError(t, err)
		}
		_, err := st.PutChatflow(ctx, newChatflow("pricing"), 1)
		require.NoError(t, err)
		all, err := st.Chatflows(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"after-hours", "pricing", "welcome"}, ids(all, chatflowID))
		require.Equal(t, []int64{1, 2, 1}, []int64{all[0].Version, all[1].Version, all[2].Version})
		for _, rec := range all {
			requireChatflow(t, newChatflow(rec.ID), rec)
		}
	})
	t.Run("ConcurrentUpdatesOfOneVersionSucceedOnce", s.concurrentChatflowUpdates)
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rec := newChatflow("flow-1")
		rec.Data = []byte(`{"a":1}`)
		put, err := st.PutChatflow(ctx, rec, 0)
		require.NoError(t, err)
		rec.Data[5] = '9'
		put.Data[5] = '8'
		put.Version = 50
		got, err := st.Chatflow(ctx, "flow-1")
		require.NoError(t, err)
		got.Data[5] = '7'
		all, err := st.Chatflows(ctx)
		require.NoError(t, err)
		all[0].Data[5] = '6'
		got, err = st.Chatflow(ctx, "flow-1")
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		require.JSONEq(t, `{"a":1}`, string(got.Data))
	})
}

func (s *suite) concurrentChatflowUpdates(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	_, err := ss.setup.PutChatflow(ctx, newChatflow("flow-1"), 0)
	require.NoError(t, err)
	const n = 10
	got := make([]*livechat.ChatflowRecord, n)
	errs := make([]error, n)
	concurrently(t, n, func(i int) {
		rec := newChatflow("flow-1")
		rec.Data = json.RawMessage(`{"writer":` + string(rune('0'+i)) + `}`)
		got[i], errs[i] = ss.on(i).PutChatflow(ctx, rec, 1)
	})
	winner := -1
	for i, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, livechat.ErrConflict, "goroutine %d", i)
			continue
		}
		require.Equal(t, -1, winner, "goroutines %d and %d both updated version 1", winner, i)
		winner = i
	}
	require.NotEqual(t, -1, winner, "no update succeeded")
	require.EqualValues(t, 2, got[winner].Version)
	stored, err := ss.check.Chatflow(ctx, "flow-1")
	require.NoError(t, err)
	require.EqualValues(t, 2, stored.Version)
	require.JSONEq(t, string(got[winner].Data), string(stored.Data))
}
