package livechat

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteJSONCompressedShared holds the kept gzip forms to the answers
// they stand for: each answer, sent again from gzipped, decompresses to
// exactly its JSON; answers that differ by one character never share a
// compressed form; a client that does not accept gzip gets the JSON.
func TestWriteJSONCompressedShared(t *testing.T) {
	send := func(v any, gz bool) (*httptest.ResponseRecorder, []byte) {
		t.Helper()
		r := httptest.NewRequest("POST", "/", nil)
		if gz {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		writeJSONCompressed(w, r, http.StatusOK, v, true)
		body := w.Body.Bytes()
		if w.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		return w, body
	}
	long := strings.Repeat("launcher ", 100)
	answers := []map[string]string{{"text": long + "a"}, {"text": long + "b"}, {"text": long + "a", "token": "t"}}
	for round := range 2 {
		for i, v := range answers {
			want, _ := json.Marshal(v)
			want = append(want, '\n')
			w, got := send(v, true)
			if w.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("answer %d: not compressed", i)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d, answer %d: got %q, want %q", round, i, got, want)
			}
			if _, plain := send(v, false); !bytes.Equal(plain, want) {
				t.Fatalf("answer %d without gzip: got %q", i, plain)
			}
		}
	}
}

// TestGzipCacheBounded checks that the kept answers stay within the
// cache's bytes, that it starts over when full, and that an answer too
// large to keep is not kept.
func TestGzipCacheBounded(t *testing.T) {
	c := &gzipCache{m: make(map[string][]byte), max: 4000}
	restarted := false
	for i := range 100 {
		plain := bytes.Repeat([]byte{byte('a' + i%26)}, 20+i)
		before := len(c.m)
		c.put(plain, []byte("z"))
		restarted = restarted || len(c.m) <= before
		if c.size > c.max {
			t.Fatalf("after %d answers the cache holds %d bytes, over %d", i+1, c.size, c.max)
		}
		if z, ok := c.get(plain); !ok || string(z) != "z" {
			t.Fatalf("answer %d is not kept right after put", i)
		}
	}
	if !restarted {
		t.Fatal("the cache never started over")
	}
	big := bytes.Repeat([]byte("x"), c.max/16)
	c.put(big, []byte("z"))
	if _, ok := c.get(big); ok {
		t.Fatal("an answer over a sixteenth of the cache was kept")
	}
}
