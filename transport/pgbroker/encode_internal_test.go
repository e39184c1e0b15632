package pgbroker

import (
	"bytes"
	"testing"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name    string
		msg     string
		payload string
		ref     int64
		ok      bool
	}{
		{"Text", `t{"a":1}`, `{"a":1}`, 0, true},
		{"EmptyText", "t", "", 0, true},
		{"Base64", "bAP8=", "\x00\xff", 0, true},
		{"Ref", "r42", "", 42, true},
		{"Empty", "", "", 0, false},
		{"UnknownKind", "x1", "", 0, false},
		{"TextNotASCII", "tü", "", 0, false},
		{"BadBase64", "b!!", "", 0, false},
		{"RefZero", "r0", "", 0, false},
		{"RefNegative", "r-1", "", 0, false},
		{"RefLeadingZero", "r01", "", 0, false},
		{"RefPlus", "r+1", "", 0, false},
		{"RefOverflow", "r99999999999999999999", "", 0, false},
		{"RefEmpty", "r", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, ref, ok := decode(c.msg)
			if ok != c.ok || ref != c.ref || string(p) != c.payload {
				t.Fatalf("decode(%q) = %q, %d, %v; want %q, %d, %v", c.msg, p, ref, ok, c.payload, c.ref, c.ok)
			}
		})
	}
}

// Every payload that encode takes comes back from decode byte for byte,
// within NOTIFY's limit; decode takes any string without panicking.
func FuzzEncoding(f *testing.F) {
	f.Add([]byte(`{"type":"message"}`), "r1")
	f.Add([]byte{0, 0xff, 0x80}, "b====")
	f.Add(bytes.Repeat([]byte("x"), maxNotify), "t\x00")
	f.Fuzz(func(t *testing.T, payload []byte, msg string) {
		decode(msg)
		enc, ok := encode(payload)
		if !ok {
			if len(payload) < maxNotify*3/4-3 {
				t.Fatalf("a payload of %d bytes did not fit", len(payload))
			}
			return
		}
		if len(enc) > maxNotify {
			t.Fatalf("encoded to %d bytes", len(enc))
		}
		got, ref, ok := decode(enc)
		if !ok || ref != 0 || !bytes.Equal(got, payload) {
			t.Fatalf("decode(encode(%q)) = %q, %d, %v", payload, got, ref, ok)
		}
	})
}
