package identity_test

import (
	"fmt"
	"time"

	"github.com/golivechat/livechat/identity"
)

// The host mints a token for its logged-in user; the chat verifies it.
func Example() {
	key := []byte("a key of at least 32 bytes, kept secret")
	issued := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	token, err := identity.Mint("2026-11", key, identity.Claims{
		Subject:   "user-42",
		Name:      "Zoë",
		Audience:  "shop.example",
		IssuedAt:  issued.Unix(),
		ExpiresAt: issued.Add(time.Hour).Unix(),
	})
	if err != nil {
		panic(err)
	}

	v := &identity.Verifier{
		Keys:     map[string][]byte{"2026-11": key},
		Audience: "shop.example",
		Now:      func() time.Time { return issued.Add(10 * time.Minute) },
	}
	c, err := v.Verify(token)
	fmt.Println(c.Subject, c.Name, err)

	v.Now = func() time.Time { return issued.Add(2 * time.Hour) }
	_, err = v.Verify(token)
	fmt.Println(err)
	// Output:
	// user-42 Zoë <nil>
	// identity: token expired
}
