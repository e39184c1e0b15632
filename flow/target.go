package flow

import (
	"errors"

	"github.com/golivechat/livechat/targeting"
)

// targetErrors reports the problems targeting.Compile finds in r, with
// their paths under "target".
func targetErrors(r targeting.Rules) Errors {
	_, err := targeting.Compile(r)
	if err == nil {
		return nil
	}
	var terrs targeting.Errors
	if !errors.As(err, &terrs) {
		return Errors{{Path: "target", Message: err.Error()}}
	}
	out := make(Errors, len(terrs))
	for i, fe := range terrs {
		out[i] = FieldError{Path: joinPath("target", fe.Path), Message: fe.Message}
	}
	return out
}

// joinPath puts a path relative to parent under it.
func joinPath(parent, rel string) string {
	switch {
	case rel == "":
		return parent
	case rel[0] == '[':
		return parent + rel
	}
	return parent + "." + rel
}
