package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) visitors(t *testing.T) {
	t.Run("CreateThenGetReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		v := newVisitor("visitor-1")
		require.NoError(t, st.CreateVisitor(ctx, v))
		got, err := st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		requireVisitor(t, v, got)
	})
	t.Run("CreateWithTakenIDIsConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		v := newVisitor("visitor-1")
		require.NoError(t, st.CreateVisitor(ctx, v))
		other := newVisitor("visitor-1")
		other.Language = "fr"
		require.ErrorIs(t, st.CreateVisitor(ctx, other), livechat.ErrConflict)
		got, err := st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		requireVisitor(t, v, got)
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Visitor(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("UpdateReplacesEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateVisitor(ctx, newVisitor("visitor-1")))
		v := &livechat.Visitor{
			ID:         "visitor-1",
			ContactID:  "contact-9",
			Language:   "ja",
			PageURL:    "https://example.com/other",
			UserAgent:  "curl/8.0",
			CreatedAt:  at(1),
			LastSeenAt: at(60),
		}
		require.NoError(t, st.UpdateVisitor(ctx, v))
		got, err := st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		requireVisitor(t, v, got)

		cleared := &livechat.Visitor{ID: "visitor-1"}
		require.NoError(t, st.UpdateVisitor(ctx, cleared))
		got, err = st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		requireVisitor(t, cleared, got)
	})
	t.Run("UpdateMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.ErrorIs(t, st.UpdateVisitor(ctx, newVisitor("missing")), livechat.ErrNotFound)
		_, err := st.Visitor(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed update must not create")
	})
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		v := newVisitor("visitor-1")
		want := *v
		require.NoError(t, st.CreateVisitor(ctx, v))
		v.Language = "changed after create"
		got, err := st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		got.Language = "changed after get"
		got, err = st.Visitor(ctx, v.ID)
		require.NoError(t, err)
		requireVisitor(t, &want, got)
	})
}

func (s *suite) contacts(t *testing.T) {
	t.Run("CreateThenGetReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newContact("contact-1", "Zoe@Example.com")
		require.NoError(t, st.CreateContact(ctx, c))
		got, err := st.Contact(ctx, c.ID)
		require.NoError(t, err)
		requireContact(t, c, got)
	})
	t.Run("CreateWithTakenIDIsConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newContact("contact-1", "a@example.com")
		require.NoError(t, st.CreateContact(ctx, c))
		err := st.CreateContact(ctx, newContact("contact-1", "b@example.com"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		got, err := st.Contact(ctx, c.ID)
		require.NoError(t, err)
		requireContact(t, c, got)
		_, err = st.ContactByEmail(ctx, "b@example.com")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed create must not claim the email")
	})
	t.Run("CreateWithTakenEmailInOtherCaseIsConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateContact(ctx, newContact("contact-1", "Zoe@Example.com")))
		err := st.CreateContact(ctx, newContact("contact-2", "zoe@example.COM"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		_, err = st.Contact(ctx, "contact-2")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed create must not store")
	})
	t.Run("EmptyEmailsDoNotConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateContact(ctx, newContact("contact-1", "")))
		require.NoError(t, st.CreateContact(ctx, newContact("contact-2", "")))
		_, err := st.ContactByEmail(ctx, "")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("ContactByEmailIgnoresCase", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newContact("contact-1", "Zoe@Example.com")
		require.NoError(t, st.CreateContact(ctx, c))
		require.NoError(t, st.CreateContact(ctx, newContact("contact-2", "other@example.com")))
		for _, email := range []string{"Zoe@Example.com", "zoe@example.com", "ZOE@EXAMPLE.COM"} {
			got, err := st.ContactByEmail(ctx, email)
			require.NoError(t, err, "ContactByEmail(%q)", email)
			requireContact(t, c, got)
		}
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateContact(ctx, newContact("contact-1", "a@example.com")))
		_, err := st.Contact(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.ContactByEmail(ctx, "missing@example.com")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("UpdateReplacesEveryFieldAndEmail", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateContact(ctx, newContact("contact-1", "old@example.com")))
		c := &livechat.Contact{
			ID:         "contact-1",
			Email:      "New@Example.com",
			Name:       "New Name",
			OwnerID:    "agent-2",
			Properties: map[string]string{"tier": "gold"},
			CreatedAt:  at(1),
			UpdatedAt:  at(90),
		}
		require.NoError(t, st.UpdateContact(ctx, c))
		got, err := st.Contact(ctx, c.ID)
		require.NoError(t, err)
		requireContact(t, c, got)

		got, err = st.ContactByEmail(ctx, "new@example.com")
		require.NoError(t, err)
		requireContact(t, c, got)
		_, err = st.ContactByEmail(ctx, "old@example.com")
		require.ErrorIs(t, err, livechat.ErrNotFound, "the old email must be released")
		require.NoError(t, st.CreateContact(ctx, newContact("contact-2", "OLD@example.com")),
			"the old email must be free for another contact")
	})
	t.Run("UpdateToOwnEmailInOtherCaseSucceeds", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newContact("contact-1", "zoe@example.com")
		require.NoError(t, st.CreateContact(ctx, c))
		c.Email = "ZOE@example.com"
		require.NoError(t, st.UpdateContact(ctx, c))
		got, err := st.ContactByEmail(ctx, "zoe@EXAMPLE.com")
		require.NoError(t, err)
		requireContact(t, c, got)
	})
	t.Run("UpdateToOtherContactsEmailIsConflictAndChangesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := newContact("contact-1", "a@example.com")
		require.NoError(t, st.CreateContact(ctx, a))
		require.NoError(t, st.CreateContact(ctx, newContact("contact-2", "b@example.com")))
		changed := newContact("contact-1", "B@example.com")
		changed.Name = "Changed"
		require.ErrorIs(t, st.UpdateContact(ctx, changed), livechat.ErrConflict)
		got, err := st.Contact(ctx, a.ID)
		require.NoError(t, err)
		requireContact(t, a, got)
		got, err = st.ContactByEmail(ctx, "a@example.com")
		require.NoError(t, err)
		requireContact(t, a, got)
	})
	t.Run("UpdateMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.ErrorIs(t, st.UpdateContact(ctx, newContact("missing", "m@example.com")), livechat.ErrNotFound)
		_, err := st.ContactByEmail(ctx, "m@example.com")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed update must not claim the email")
	})
	t.Run("ConcurrentCreatesWithOneEmailStoreOne", s.concurrentContactCreates)
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newContact("contact-1", "a@example.com")
		want := newContact("contact-1", "a@example.com")
		require.NoError(t, st.CreateContact(ctx, c))
		c.Properties["plan"] = "changed after create"
		c.Name = "changed after create"

		got, err := st.Contact(ctx, c.ID)
		require.NoError(t, err)
		got.Properties["plan"] = "changed after get"
		got.Properties["added"] = "after get"
		got, err = st.ContactByEmail(ctx, c.Email)
		require.NoError(t, err)
		got.Properties["plan"] = "changed after get by email"

		got, err = st.Contact(ctx, c.ID)
		require.NoError(t, err)
		requireContact(t, want, got)
	})
}

func (s *suite) agents(t *testing.T) {
	t.Run("PutThenGetReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := newAgent("agent-1")
		require.NoError(t, st.PutAgent(ctx, a))
		got, err := st.Agent(ctx, a.ID)
		require.NoError(t, err)
		requireAgent(t, a, got)
	})
	t.Run("PutReplacesExisting", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.PutAgent(ctx, newAgent("agent-1")))
		a := &livechat.Agent{ID: "agent-1", Name: "Renamed", Presence: livechat.PresenceAway, UpdatedAt: at(30)}
		require.NoError(t, st.PutAgent(ctx, a))
		got, err := st.Agent(ctx, a.ID)
		require.NoError(t, err)
		requireAgent(t, a, got)
		all, err := st.Agents(ctx)
		require.NoError(t, err)
		require.Len(t, all, 1)
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Agent(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("EmptyStoreListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		all, err := st.Agents(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
	})
	t.Run("ListIsOrderedByID", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for _, id := range []string{"c", "a", "b2", "b10", "B"} {
			require.NoError(t, st.PutAgent(ctx, newAgent(id)))
		}
		all, err := st.Agents(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"B", "a", "b10", "b2", "c"}, ids(all, agentID))
		requireAgent(t, newAgent("a"), all[1])
	})
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := newAgent("agent-1")
		require.NoError(t, st.PutAgent(ctx, a))
		a.TeamIDs[0] = "changed after put"
		a.Skills[0] = "changed after put"
		a.Permissions[0] = "changed after put"
		a.HostFields[0] = "changed after put"

		got, err := st.Agent(ctx, "agent-1")
		require.NoError(t, err)
		got.TeamIDs[0] = "changed after get"
		got.Skills = append(got.Skills[:1], "appended")
		all, err := st.Agents(ctx)
		require.NoError(t, err)
		all[0].Permissions[0] = "changed after list"
		all[0].HostFields[1] = "changed after list"

		got, err = st.Agent(ctx, "agent-1")
		require.NoError(t, err)
		requireAgent(t, newAgent("agent-1"), got)
	})
}

func (s *suite) teams(t *testing.T) {
	t.Run("Delete", s.deleteTeam)
	t.Run("PutThenGetReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		tm := newTeam("team-1")
		require.NoError(t, st.PutTeam(ctx, tm))
		got, err := st.Team(ctx, tm.ID)
		require.NoError(t, err)
		requireTeam(t, tm, got)
	})
	t.Run("PutReplacesExisting", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.PutTeam(ctx, newTeam("team-1")))
		tm := &livechat.Team{ID: "team-1", Name: "Renamed", AgentIDs: []string{"agent-9"}, UpdatedAt: at(30)}
		require.NoError(t, st.PutTeam(ctx, tm))
		got, err := st.Team(ctx, tm.ID)
		require.NoError(t, err)
		requireTeam(t, tm, got)
		all, err := st.Teams(ctx)
		require.NoError(t, err)
		require.Len(t, all, 1)
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Team(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("EmptyStoreListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		all, err := st.Teams(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
	})
	t.Run("ListIsOrderedByID", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for _, id := range []string{"support", "billing", "sales"} {
			require.NoError(t, st.PutTeam(ctx, newTeam(id)))
		}
		all, err := st.Teams(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"billing", "sales", "support"}, ids(all, teamID))
		requireTeam(t, newTeam("billing"), all[0])
	})
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		tm := newTeam("team-1")
		require.NoError(t, st.PutTeam(ctx, tm))
		tm.AgentIDs[0] = "changed after put"
		got, err := st.Team(ctx, "team-1")
		require.NoError(t, err)
		got.AgentIDs[0] = "changed after get"
		all, err := st.Teams(ctx)
		require.NoError(t, err)
		all[0].AgentIDs[1] = "changed after list"
		got, err = st.Team(ctx, "team-1")
		require.NoError(t, err)
		requireTeam(t, newTeam("team-1"), got)
	})
}

// teamDeleter returns st as a livechat.TeamDeleter, or skips the test
// when st is not one: the interface is optional.
func teamDeleter(t *testing.T, st livechat.Storage) livechat.TeamDeleter {
	t.Helper()
	td, ok := st.(livechat.TeamDeleter)
	if !ok {
		t.Skipf("%T is not a livechat.TeamDeleter", st)
	}
	return td
}

func (s *suite) deleteTeam(t *testing.T) {
	t.Run("DeleteRemovesOnlyThatTeam", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		td := teamDeleter(t, st)
		require.NoError(t, st.PutTeam(ctx, newTeam("sales")))
		require.NoError(t, st.PutTeam(ctx, newTeam("support")))
		a := newAgent("agent-1")
		a.TeamIDs = []string{"sales"}
		require.NoError(t, st.PutAgent(ctx, a))

		require.NoError(t, td.DeleteTeam(ctx, "sales"))
		_, err := st.Team(ctx, "sales")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		all, err := st.Teams(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"support"}, ids(all, teamID))
		got, err := st.Agent(ctx, "agent-1")
		require.NoError(t, err)
		requireAgent(t, a, got)
	})
	t.Run("DeleteMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		td := teamDeleter(t, st)
		require.ErrorIs(t, td.DeleteTeam(ctx, "missing"), livechat.ErrNotFound)
	})
	t.Run("PutAfterDeleteCreatesAgain", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		td := teamDeleter(t, st)
		require.NoError(t, st.PutTeam(ctx, newTeam("sales")))
		require.NoError(t, td.DeleteTeam(ctx, "sales"))
		tm := &livechat.Team{ID: "sales", Name: "Sales again", UpdatedAt: at(40)}
		require.NoError(t, st.PutTeam(ctx, tm))
		got, err := st.Team(ctx, "sales")
		require.NoError(t, err)
		requireTeam(t, tm, got)
	})
}

func (s *suite) concurrentContactCreates(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	const n = 20
	errs := make([]error, n)
	concurrently(t, n, func(i int) {
		errs[i] = ss.on(i).CreateContact(ctx, newContact(string(rune('a'+i))+"-contact", "same@example.com"))
	})
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
			continue
		}
		require.ErrorIs(t, err, livechat.ErrConflict)
	}
	require.Equal(t, 1, created, "successful creates")
}
