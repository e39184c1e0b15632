package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/notifier/webhook"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		secret  []byte
		opts    *webhook.Options
		wantErr string
	}{
		{name: "OK", url: "https://example.com/hook?token=x", secret: secret},
		{name: "OKHTTPWithOptions", url: "http://127.0.0.1:9/hook", secret: secret, opts: &webhook.Options{MaxAttempts: 1, QueueSize: 1}},
		{name: "ErrRelativeURL", url: "/hook", secret: secret, wantErr: "scheme http or https"},
		{name: "ErrScheme", url: "ftp://example.com/hook", secret: secret, wantErr: "scheme http or https"},
		{name: "ErrNoHost", url: "https:///hook", secret: secret, wantErr: "no host"},
		{name: "ErrMalformedURL", url: "https://exa mple.com/", secret: secret, wantErr: "invalid URL"},
		{name: "ErrShortSecret", url: "https://example.com/", secret: secret[:31], wantErr: "secret is 31 bytes, need at least 32"},
		{name: "ErrNegativeOption", url: "https://example.com/", secret: secret, opts: &webhook.Options{MaxAttempts: -1}, wantErr: "negative option"},
		{name: "ErrBackoffMaxBelowBase", url: "https://example.com/", secret: secret, opts: &webhook.Options{BackoffBase: time.Second, BackoffMax: time.Millisecond}, wantErr: "BackoffMax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := webhook.New(tt.url, tt.secret, tt.opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, w)
				return
			}
			require.NoError(t, err)
			require.NoError(t, w.Close(context.Background()))
		})
	}
}

func TestNotify_SignedRequest(t *testing.T) {
	now := time.Unix(1767225600, 0)
	rc := newReceiver(t, status(http.StatusNoContent))
	opts := fastOptions(&logBuffer{})
	opts.Now = func() time.Time { return now }
	w := mustNew(t, rc.srv.URL+"/hook", opts)

	n := notification(1)
	n.AgentID, n.Seq = "a1", 7
	require.NoError(t, w.Notify(context.Background(), n))
	require.NoError(t, w.Close(context.Background()))

	reqs := rc.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.Equal(t, "golivechat-webhook/1", r.header.Get("User-Agent"))
	require.Equal(t, "1767225600", r.header.Get("X-Livechat-Timestamp"))
	require.Equal(t, webhook.Sign(secret, now.Unix(), r.body), r.header.Get("X-Livechat-Signature"))
	require.NoError(t, webhook.Verify(secret, r.header, r.body, now.Add(time.Minute), time.Minute))

	var got livechat.Notification
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.Equal(t, n, got)

	t.Run("ErrTamperedBody", func(t *testing.T) {
		tampered := []byte(strings.Replace(string(r.body), `"c1"`, `"c2"`, 1))
		require.ErrorIs(t, webhook.Verify(secret, r.header, tampered, now, 0), webhook.ErrBadSignature)
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		other := []byte(strings.Repeat("x", 32))
		require.ErrorIs(t, webhook.Verify(other, r.header, r.body, now, 0), webhook.ErrBadSignature)
	})
	t.Run("ErrOldTimestamp", func(t *testing.T) {
		err := webhook.Verify(secret, r.header, r.body, now.Add(6*time.Minute), 0)
		require.ErrorIs(t, err, webhook.ErrBadSignature)
		require.ErrorContains(t, err, "tolerance")
	})
}

func TestVerify(t *testing.T) {
	now := time.Unix(1767225600, 0)
	body := []byte(`{"id":"n1"}`)
	header := func(ts int64, sig string) http.Header {
		h := http.Header{}
		if ts != 0 {
			h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
		}
		if sig != "" {
			h.Set(webhook.HeaderSignature, sig)
		}
		return h
	}
	good := webhook.Sign(secret, now.Unix(), body)
	other := webhook.Sign([]byte(strings.Repeat("y", 32)), now.Unix(), body)
	tests := []struct {
		name      string
		header    http.Header
		now       time.Time
		tolerance time.Duration
		ok        bool
	}{
		{name: "OK", header: header(now.Unix(), good), now: now, ok: true},
		{name: "OKWithinTolerance", header: header(now.Unix(), good), now: now.Add(-30 * time.Second), tolerance: time.Minute, ok: true},
		{name: "OKRotatedSecrets", header: header(now.Unix(), other+", "+good), now: now, ok: true},
		{name: "OKUnknownVersionIgnored", header: header(now.Unix(), "v2=abc,"+good), now: now, ok: true},
		{name: "ErrMissingTimestamp", header: header(0, good), now: now},
		{name: "ErrMalformedTimestamp", header: http.Header{webhook.HeaderTimestamp: {"soon"}, webhook.HeaderSignature: {good}}, now: now},
		{name: "ErrMissingSignature", header: header(now.Unix(), ""), now: now},
		{name: "ErrMalformedSignature", header: header(now.Unix(), "v1=zz"), now: now},
		{name: "ErrNoV1Signature", header: header(now.Unix(), "v2="+good[3:]), now: now},
		{name: "ErrOtherSecret", header: header(now.Unix(), other), now: now},
		{name: "ErrOldTimestamp", header: header(now.Unix(), good), now: now.Add(2 * time.Minute), tolerance: time.Minute},
		{name: "ErrFutureTimestamp", header: header(now.Unix(), good), now: now.Add(-2 * time.Minute), tolerance: time.Minute},
		{name: "ErrOutsideDefaultTolerance", header: header(now.Unix(), good), now: now.Add(webhook.DefaultTolerance + time.Second)},
		{name: "ErrTimestampChanged", header: header(now.Unix()+1, good), now: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(secret, tt.header, body, tt.now, tt.tolerance)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, webhook.ErrBadSignature)
			}
		})
	}
}

func TestNew_CustomClient(t *testing.T) {
	rc := newReceiver(t, nil)
	opts := fastOptions(&logBuffer{})
	opts.Client = rc.srv.Client() // the host's client, left open by Close
	w := mustNew(t, rc.srv.URL, opts)
	require.NoError(t, w.Notify(context.Background(), notification(1)))
	require.NoError(t, w.Close(context.Background()))
	require.Len(t, rc.requests(), 1)
}
