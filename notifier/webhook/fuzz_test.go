package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golivechat/livechat/notifier/webhook"
)

// Verify reads untrusted headers: it never panics and accepts only what
// Sign produced for the same body and timestamp.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1767225600, 0)
	body := []byte(`{"id":"n1"}`)
	f.Add("1767225600", webhook.Sign(secret, now.Unix(), body), body)
	f.Add("1767225600", "v1=00, v1=zz,,v2=", body)
	f.Add("-9223372036854775808", "v1=", []byte{})
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{webhook.HeaderTimestamp: {ts}, webhook.HeaderSignature: {sig}}
		if webhook.Verify(secret, h, body, now, time.Minute) != nil {
			return
		}
		unix, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || unix < now.Unix()-60 || unix > now.Unix()+60 {
			t.Fatalf("accepted timestamp %q", ts)
		}
		good := webhook.Sign(secret, unix, body)
		for v := range strings.SplitSeq(sig, ",") {
			if strings.EqualFold(strings.TrimSpace(v), good) {
				return
			}
		}
		t.Fatalf("accepted signature %q, want %q among its values", sig, good)
	})
}
