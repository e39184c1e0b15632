package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a webhook request.
const (
	// HeaderTimestamp holds the Unix time in seconds when the request was
	// signed.
	HeaderTimestamp = "X-Livechat-Timestamp"
	// HeaderSignature holds "v1=" and the hex HMAC-SHA256 computed by Sign.
	HeaderSignature = "X-Livechat-Signature"
)

// UserAgent is the User-Agent of every webhook request.
const UserAgent = "golivechat-webhook/1"

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// signaturePrefix names the version of the signature scheme.
const signaturePrefix = "v1="

// ErrBadSignature is returned by Verify when a request is not signed with the
// secret, is malformed, or was signed outside the tolerated time window.
var ErrBadSignature = errors.New("webhook: bad signature")

// Sign returns the value of the X-Livechat-Signature header for a request
// with the given timestamp (Unix seconds) and body: "v1=" followed by the
// lowercase hex HMAC-SHA256, keyed with secret, of the decimal timestamp, a
// ".", and body.
func Sign(secret []byte, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp int64, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(strconv.AppendInt(nil, timestamp, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received webhook request: header holds its
// X-Livechat-Timestamp and X-Livechat-Signature, body its raw bytes, now the
// receiver's clock. The signature is compared in constant time; the
// timestamp must be within tolerance of now (DefaultTolerance when tolerance
// is zero or negative) so that a captured request cannot be replayed later.
// The signature header may hold several comma-separated "v1=" values, as
// during a secret rotation; one match is enough.
//
// Verify returns nil for a good request and otherwise an error wrapping
// ErrBadSignature that says what is wrong.
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	tsText := header.Get(HeaderTimestamp)
	if tsText == "" {
		return fmt.Errorf("%w: missing %s header", ErrBadSignature, HeaderTimestamp)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed %s header", ErrBadSignature, HeaderTimestamp)
	}
	sigText := header.Get(HeaderSignature)
	if sigText == "" {
		return fmt.Errorf("%w: missing %s header", ErrBadSignature, HeaderSignature)
	}
	want := mac(secret, ts, body)
	matched := false
	for v := range strings.SplitSeq(sigText, ",") {
		v = strings.TrimSpace(v)
		hexSig, ok := strings.CutPrefix(v, signaturePrefix)
		if !ok {
			continue // another scheme version
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	// Compared in whole seconds, the unit of the header; written so that
	// no timestamp, however absurd, overflows.
	limit := int64(tolerance / time.Second)
	if nowUnix := now.Unix(); ts < nowUnix-limit || ts > nowUnix+limit {
		return fmt.Errorf("%w: timestamp %d is outside the tolerance of %v", ErrBadSignature, ts, tolerance)
	}
	return nil
}
