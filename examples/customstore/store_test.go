package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func open(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "app.db"))
	require.NoError(t, err)
	return st
}

// The store passes the conformance suite every Storage runs.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) livechat.Storage { return open(t) })
}

// A visitor who chats through the Handler is a row of the host's own
// support_visitors table, linked to the row of support_contacts their
// email made.
func TestVisitorsInHostTables(t *testing.T) {
	store := open(t)
	secret := make([]byte, 32)
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	require.NoError(t, err)
	srv := httptest.NewServer(site)
	t.Cleanup(func() {
		require.NoError(t, chat.Close())
		srv.Close()
		require.NoError(t, store.Close())
	})

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := c.Post(srv.URL+"/livechat/api/v1/visitor/"+path, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, path)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
	post("config", map[string]any{"url": srv.URL + "/"})
	conv := post("conversations", map[string]any{"url": srv.URL + "/"})["conversation"].(map[string]any)
	post("conversations/"+conv["id"].(string)+"/messages", map[string]any{"clientMessageId": "m1", "text": "Hello"})
	post("email", map[string]any{"email": "zoe@example.com"})

	var visitors, contacts int
	var email string
	require.NoError(t, store.db.QueryRow(`SELECT COUNT(*) FROM support_visitors WHERE contact_id <> ''`).Scan(&visitors))
	require.NoError(t, store.db.QueryRow(`SELECT COUNT(*), MAX(email) FROM support_contacts`).Scan(&contacts, &email))
	require.Equal(t, 1, visitors)
	require.Equal(t, 1, contacts)
	require.Equal(t, "zoe@example.com", email)
	msgs, err := chat.Messages(context.Background(), conv["id"].(string), 0, 10)
	require.NoError(t, err)
	require.Equal(t, "Hello", msgs[len(msgs)-1].Text)
}
