package livechat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// decodeFrameJSON is what decodeFrame must match: json.Valid, then
// json.Unmarshal, then the UTF-8 and type checks, in that order.
func decodeFrameJSON(data []byte, f *inFrame) error {
	if !json.Valid(data) {
		return publicf(ErrInvalid, "malformed JSON frame")
	}
	err := json.Unmarshal(data, f) // first, for the ref
	if !utf8.Valid(data) {
		return publicf(ErrInvalid, "frame is not valid UTF-8")
	}
	if err != nil {
		return jsonProblem(err, errFrameNotObject)
	}
	if f.Type == "" {
		return publicf(ErrInvalid, "frame has no type")
	}
	return nil
}

// frameSamples are frames that reach every branch of decodeFrame.
var frameSamples = []string{
	`{"type":"send","ref":"r1","conversationId":"c1","clientMessageId":"m1","text":"hello"}`,
	` {"type":"read","seq":7} `, `{"type":"subscribe","after":-0}`, `{"type":"typing","typing":true}`,
	`{"type":"typing","typing":false,"typing":null}`, `{"TYPE":"ping","Ref":"x","ref":"y"}`,
	`{"ſeq":5,"type":"read"}`, `{"\u0074ype":"ping"}`, `{"type":"ping","extra":{"a":[1,2,{"b":null}],"c":"\ud83d\ude00"}}`,
	`{"type":"send","text":"\ud800 lone \udc00 \ud800\u0041 \n\t\"\\\/\b\f"}`,
	`{"type":5,"ref":"r3"}`, `{"type":"send","after":"x","ref":"r5"}`, `{"type":"send","ref":7}`,
	`{"type":"read","seq":1.5}`, `{"type":"read","seq":1e3}`, `{"type":"read","seq":99999999999999999999}`,
	`{"type":"read","seq":-9223372036854775808}`, `{"type":"read","seq":9223372036854775807}`,
	`{"type":"typing","typing":"yes"}`, `{"type":"send","text":{"a":1}}`, `{"type":"send","text":[1]}`,
	`{"type":"send","typing":[],"seq":{},"text":true}`, `{"ref":"r6"}`, `{}`, `null`, `[]`, `["send"]`, `"x"`, `5`, `true`,
	`{"type":"send","ref":"r11"`, `{"type":"send",}`, `{"type" "send"}`, `{"type":"send"}}`, `{"type":'send'}`,
	`{"type":"send","text":"\x"}`, `{"type":"send","text":"a` + "\x01" + `"}`, `{"type":01}`, `{"seq":-}`, `{"seq":1.}`,
	`{"seq":1e}`, `{"a":tru}`, `{"a":nul}`, "{\"type\":\"send\",\"ref\":\"r10\",\"text\":\"\xc3\x28\"}",
	"{\"type\":\"send\",\"ref\":\"\xff\"}", "{\"\xff\":1,\"type\":\"x\"}", "\xef\xbb\xbf{}", "", " ", "{\"type\":\"a\"}\x00",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `,"type":"x"}`,
	`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"type":"x"}`,
	`{"a":` + strings.Repeat(`{"b":`, 9998) + `{}` + strings.Repeat("}", 9998) + `,"type":"x"}`,
	`{"a":` + strings.Repeat(`{"b":`, 9999) + `{}` + strings.Repeat("}", 9999) + `,"type":"x"}`,
}

// FuzzDecodeFrameJSON holds decodeFrame to encoding/json: on any input,
// the same error (or none) and the same fields, the ref of a frame with a
// wrong type included.
func FuzzDecodeFrameJSON(f *testing.F) {
	for _, s := range frameSamples {
		f.Add([]byte(s))
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzDecodeFrame/*")
	for _, name := range seeds {
		if b, err := os.ReadFile(name); err == nil {
			if s, ok := strings.CutPrefix(string(b), "go test fuzz v1\n[]byte("); ok {
				if v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(s), ")")); err == nil {
					f.Add([]byte(v))
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want inFrame
		gotErr := decodeFrame(data, &got)
		wantErr := decodeFrameJSON(data, &want)
		require.Equal(t, want, got, "%q", data)
		if wantErr == nil {
			require.NoError(t, gotErr, "%q", data)
			return
		}
		require.Error(t, gotErr, "%q", data)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%q", data)
		require.True(t, errors.Is(gotErr, ErrInvalid))
		_, wantBody := toAPIError(wantErr)
		_, gotBody := toAPIError(gotErr)
		require.Equal(t, wantBody, gotBody, "%q", data)
	})
}

// TestDecodeFrameKeepsFrame: a malformed frame leaves what it was decoded
// into as it was.
func TestDecodeFrameKeepsFrame(t *testing.T) {
	f := inFrame{Type: "ping", Ref: "r"}
	require.Error(t, decodeFrame([]byte(`{"type":"send","ref":"x",`), &f))
	require.Equal(t, inFrame{Type: "ping", Ref: "r"}, f)
}

var benchFrame = []byte(`{"type":"send","ref":"r42","conversationId":"0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c30","clientMessageId":"c-1732790000-42","text":"Hello, I have a question about my order from last week."}`)

// BenchmarkDecodeFrame decodes a send frame.
func BenchmarkDecodeFrame(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchFrame)))
	cpu := MeterCPU(b)
	for b.Loop() {
		var f inFrame
		if err := decodeFrame(benchFrame, &f); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report()
}

// BenchmarkDecodeFrameJSON is the baseline: json.Valid, then json.Unmarshal.
func BenchmarkDecodeFrameJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchFrame)))
	cpu := MeterCPU(b)
	for b.Loop() {
		var f inFrame
		if err := decodeFrameJSON(benchFrame, &f); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report()
}
