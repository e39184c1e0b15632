package livechat

import (
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// newID returns a random record id.
func newID() string { return uuid.NewString() }

// checkText applies the rules every message text must meet: valid
// UTF-8; no control characters but line feed and tab (so no NUL, no CR:
// line breaks are \n, as browsers send them; no DEL or C1 controls);
// something visible, not only whitespace and invisible format characters
// such as U+200B; at most MaxMessageLength characters.
func (e *engine) checkText(text string) error {
	// Most texts are ASCII: one pass decides them.
	visible := false
	ascii := true
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch {
		case b >= utf8.RuneSelf:
			ascii = false
		case b == '\n' || b == '\t':
		case b < 0x20 || b == 0x7f:
			if !utf8.ValidString(text[i+1:]) {
				return errInvalidUTF8Text // as checkUnicodeText answers
			}
			return errControlText
		case b != ' ' && !visible:
			visible = true // every ASCII character but space and controls shows
		}
		if !ascii {
			break
		}
	}
	if ascii {
		if !visible {
			return publicf(ErrInvalid, "text is empty")
		}
		if len(text) > e.cfg.MaxMessageLength {
			return publicf(ErrTooLarge, "text is too long (limit %d characters)", e.cfg.MaxMessageLength)
		}
		return nil
	}
	return e.checkUnicodeText(text)
}

// checkUnicodeText is checkText for texts that are not all ASCII.
func (e *engine) checkUnicodeText(text string) error {
	if !utf8.ValidString(text) {
		return errInvalidUTF8Text
	}
	visible := false
	for _, r := range text {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r):
			return errControlText
		case !visible && !invisible(r):
			visible = true
		}
	}
	if !visible {
		return publicf(ErrInvalid, "text is empty")
	}
	if n := utf8.RuneCountInString(text); n > e.cfg.MaxMessageLength {
		return publicf(ErrTooLarge, "text is too long (limit %d characters)", e.cfg.MaxMessageLength)
	}
	return nil
}

var errInvalidUTF8Text = publicf(ErrInvalid, "text is not valid UTF-8")

var errControlText = publicf(ErrInvalid, "text must not contain control characters other than line feed and tab")

// invisible reports whether r shows nothing on its own: whitespace,
// format characters (Cf: U+200B to U+200F, U+2060, U+FEFF, …), variation
// selectors and the other default-ignorable code points (U+3164, …).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

func checkClientMsgID(id string) error {
	if !validID(id) {
		return publicf(ErrInvalid, "clientMessageId must be 1 to 64 characters of A-Z, a-z, 0-9, - and _")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
