package consent_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/text/language"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	en = language.English
	sv = language.Swedish
	de = language.German
	fr = language.French
	es = language.Spanish
)
