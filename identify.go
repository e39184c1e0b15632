package livechat

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"

	"github.com/golivechat/livechat/identity"
)

// identifiedPrefix marks visitor ids derived from a host's user id.
const identifiedPrefix = "u-"

func isIdentifiedVisitor(id string) bool { return strings.HasPrefix(id, identifiedPrefix) }

// identify verifies an identity token and returns the visitor id of the
// user it names, or "" when there is no valid token.
func identify(verifier *identity.Verifier, log *slog.Logger, token string) (string, identity.Claims) {
	if token == "" || verifier == nil {
		return "", identity.Claims{}
	}
	c, err := verifier.Verify(token)
	if err != nil {
		log.Info("livechat: identity token refused; the visitor stays anonymous", "err", err)
		return "", identity.Claims{}
	}
	return identifiedPrefix + userHash(c), c
}

// userHash is a stable, opaque id for a host's user.
func userHash(c identity.Claims) string {
	sum := sha256.Sum256([]byte(c.Audience + "\x00" + c.Subject))
	return hex.EncodeToString(sum[:20])
}
