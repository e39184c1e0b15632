package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Files is what visitors and agents may attach to their messages in the
// chat. Attachments need a FileStore in the Handler's Config as well:
// without one, Files has no effect.
type Files struct {
	// Enabled lets both sides attach files. Default true (New).
	Enabled bool `json:"enabled"`
	// MaxSize is the largest file in bytes, 1 to MaxFileSize. Default
	// DefaultMaxFileSize (New).
	MaxSize int64 `json:"maxSize"`
	// Types lists the content types allowed, each one of FileTypes, at
	// least one when Enabled. A file's type is sniffed from its bytes,
	// whatever its name or the uploader claim. Default DefaultFileTypes
	// (New).
	Types []string `json:"types"`
}

// File limits.
const (
	// MaxFileSize is the largest MaxSize: 50 MiB.
	MaxFileSize = 50 << 20
	// DefaultMaxFileSize is New's MaxSize: 10 MiB.
	DefaultMaxFileSize = 10 << 20
)

// FileTypes are the content types a chat may allow: raster images, PDF,
// plain text and ZIP archives. HTML, SVG, XML and scripts are never
// allowed, as a browser would run what they contain.
var FileTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}

// DefaultFileTypes are New's Types: the images and PDF.
var DefaultFileTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}

// Allows reports whether a file of the sniffed content type and the size
// may be attached.
func (f *Files) Allows(contentType string, size int64) bool {
	return f.Enabled && size <= f.MaxSize && slices.Contains(f.Types, contentType)
}

func (f *Files) validate(errs *Errors) {
	if f.MaxSize < 1 || f.MaxSize > MaxFileSize {
		errs.Add("options.files.maxSize", fmt.Sprintf("must be 1 to %d bytes", MaxFileSize))
	}
	if f.Enabled && len(f.Types) == 0 {
		errs.Add("options.files.types", "at least one type when files are enabled")
	}
	for i, t := range f.Types {
		p := "options.files.types[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(FileTypes, t):
			errs.Add(p, "must be one of "+strings.Join(FileTypes, ", "))
		case slices.Contains(f.Types[:i], t):
			errs.Add(p, "duplicate")
		}
	}
}
