package livechat

// Fuzz targets for the unexported decoders of untrusted input: WebSocket
// frames, visitor API bodies and visitor tokens. Their seed corpora are
// under testdata/fuzz.

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeFrame decodes what a visitor or an agent sends on a WebSocket:
// a frame that decodes is valid UTF-8 JSON with a type, and it encodes
// back to a frame that decodes to the same value; any other frame is
// refused as bad_request.
func FuzzDecodeFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr inFrame
		err := decodeFrame(data, &fr)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			return
		}
		require.True(t, utf8.Valid(data), "decoded invalid UTF-8")
		require.True(t, json.Valid(data), "decoded invalid JSON")
		require.NotEmpty(t, fr.Type)
		requireValidStrings(t, fr)

		again, err := json.Marshal(fr)
		require.NoError(t, err)
		var fr2 inFrame
		require.NoError(t, decodeFrame(again, &fr2), "%s", again)
		require.Equal(t, fr, fr2)
	})
}

// FuzzDecodeBody decodes one request body as each body type of the
// visitor API (the config request included): a body that decodes is one
// valid UTF-8 JSON value with known fields, and it encodes back to a body
// that decodes to the same value; any other body is refused as
// bad_request.
func FuzzDecodeBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkBody[configRequest](t, data)
		checkBody[sendRequest](t, data)
		checkBody[readRequest](t, data)
		checkBody[typingRequest](t, data)
		checkBody[surveyRequest](t, data)
	})
}

func checkBody[T any](t *testing.T, data []byte) {
	t.Helper()
	var v T
	err := decodeStrict(data, &v)
	if err != nil {
		require.ErrorIs(t, err, ErrInvalid, "%T", v)
		return
	}
	require.True(t, utf8.Valid(data), "%T: decoded invalid UTF-8", v)
	require.True(t, json.Valid(data), "%T: decoded %q, which is not one JSON value", v, data)
	requireValidStrings(t, v)

	again, err := json.Marshal(v)
	require.NoError(t, err)
	var v2 T
	require.NoError(t, decodeStrict(again, &v2), "%T: %s", v, again)
	require.Equal(t, v, v2)
}

// requireValidStrings fails unless every string field of the struct v is
// valid UTF-8.
func requireValidStrings(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := 0; i < rv.NumField(); i++ {
		if f := rv.Field(i); f.Kind() == reflect.String {
			require.True(t, utf8.ValidString(f.String()), "%s is not valid UTF-8: %q", rv.Type().Field(i).Name, f.String())
		}
	}
}

var (
	fuzzSecret  = []byte("fuzz-secret-0123456789abcdef-0123456789")
	otherSecret = []byte("other-secret-0123456789abcdef-012345678")
	fuzzNow     = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	fuzzTTL     = 30 * 24 * time.Hour
)

// FuzzVerifyVisitor signs a token for an id and time, then edits it
// (cut n bytes at pos, insert ins): the signed token verifies exactly when
// its id and time are valid; an edited token verifies only if the edit
// changed nothing; a token verifies only with the secret that signed it,
// and only in the form the server signs.
func FuzzVerifyVisitor(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string, issuedUnix int64, pos uint, n uint8, ins string) {
		issued := time.Unix(issuedUnix, 0)
		tok := signVisitor(fuzzSecret, id, issued)
		gotID, gotIssued, ok := verifyVisitor(fuzzSecret, tok, fuzzNow, fuzzTTL)
		wantOK := validID(id) && len(tok) <= 256 && !issued.After(fuzzNow.Add(time.Minute)) && fuzzNow.Sub(issued) <= fuzzTTL
		require.Equal(t, wantOK, ok, "token %q", tok)
		if ok {
			require.Equal(t, id, gotID)
			require.True(t, issued.Equal(gotIssued))
		}
		_, _, ok = verifyVisitor(otherSecret, tok, fuzzNow, fuzzTTL)
		require.False(t, ok, "token %q verified with another secret", tok)

		p := int(pos % uint(len(tok)+1))
		end := min(p+int(n), len(tok))
		edited := tok[:p] + ins + tok[end:]
		gotID, gotIssued, ok = verifyVisitor(fuzzSecret, edited, fuzzNow, fuzzTTL)
		if ok {
			require.Equal(t, tok, edited, "an edited token verified")
			require.Equal(t, signVisitor(fuzzSecret, gotID, gotIssued), edited)
		}
		// The edited text as a token of its own (it may be anything).
		if _, _, ok := verifyVisitor(otherSecret, edited, fuzzNow, fuzzTTL); ok {
			t.Fatalf("%q verified with a secret that never signed it", edited)
		}
		if !strings.HasPrefix(edited, tokenVersion+".") {
			require.False(t, ok, "%q verified without the version prefix", edited)
		}
	})
}

// TestDecodeStrictOneValue: a body is exactly one JSON value; trailing
// brackets are not ignored.
func TestDecodeStrictOneValue(t *testing.T) {
	for _, body := range []string{`{}}`, `{}]`, `{"seq":1}]]`, `{} {}`, `{}x`} {
		var req readRequest
		err := decodeStrict([]byte(body), &req)
		require.Error(t, err, body)
		require.True(t, errors.Is(err, ErrInvalid), body)
	}
	var req readRequest
	require.NoError(t, decodeStrict([]byte(" {\"seq\":2}\n"), &req))
	require.Equal(t, int64(2), req.Seq)
}

// FuzzCheckText holds checkText's ASCII pass to the full Unicode check:
// the same answer for every text.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"hello", " ", "", "a\x00b", "\t\n", "héllo", "a\x7f", "\u200b", "x\xff", "\x01\xff", strings.Repeat("a", 30)} {
		f.Add(s)
	}
	e := &engine{cfg: &Config{MaxMessageLength: 20}}
	f.Fuzz(func(t *testing.T, text string) {
		got, want := e.checkText(text), e.checkUnicodeText(text)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("checkText(%q) = %v, the Unicode check says %v", text, got, want)
		}
	})
}
