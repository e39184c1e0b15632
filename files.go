package livechat

import (
	"context"
	"io"
	"time"
)

// FileStore keeps the bytes of the files visitors and agents attach to
// their messages; the Storage keeps what is known about each one (File,
// through FileIndex). Set Config.Files to turn attachments on. The
// storage/files package keeps them in a directory, and the
// storage/filestoretest package holds the conformance suite every
// implementation must pass. Implementations must be safe for concurrent
// use; several Handlers (nodes) that share a Storage must share the
// FileStore too.
//
// Ids are 1 to 64 of A-Z, a-z, 0-9, '-' and '_'; methods return ErrInvalid
// for any other id, ErrNotFound for an id with nothing stored, ErrConflict
// when Put finds the id taken and ErrClosed after Close, wrapped with
// context; other errors are the backend's own failures.
type FileStore interface {
	// Put stores the bytes read from r until EOF under id and returns how
	// many there were. It is all or nothing: when reading r or writing
	// fails, or ctx ends first, nothing is stored under id, and the error
	// of r (such as *http.MaxBytesError) is returned wrapped. Returns
	// ErrConflict when id is taken.
	Put(ctx context.Context, id string, r io.Reader) (int64, error)
	// Open returns the bytes stored under id; the caller closes the
	// reader. Returns ErrNotFound.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes the bytes stored under id. Returns ErrNotFound.
	Delete(ctx context.Context, id string) error
	// Close releases the store's resources. The Handler never calls it:
	// the host owns the FileStore, as it owns the Storage.
	Close() error
}

// FileIndex is an optional interface of a Storage, required when
// Config.Files is set: the record of every attached file. A Storage
// with it also deletes a visitor's files' records in EraseVisitor, with
// their conversations; the Handler deletes the bytes from the FileStore
// first. The storage/storagetest suite checks it for every Storage that
// has it.
type FileIndex interface {
	// PutFile stores a new file record. Returns ErrInvalid for a nil file
	// or an empty ID, ErrNotFound when its conversation does not exist,
	// and ErrConflict when the ID is taken.
	PutFile(ctx context.Context, f *File) error
	// File returns the record with the id. Returns ErrNotFound.
	File(ctx context.Context, id string) (*File, error)
	// DeleteFile removes a record. Returns ErrNotFound.
	DeleteFile(ctx context.Context, id string) error
	// VisitorFiles returns the records of the files of every conversation
	// of the visitor (whoever uploaded them), oldest CreatedAt first, ties
	// broken by ascending ID; none for an unknown visitor.
	VisitorFiles(ctx context.Context, visitorID string) ([]*File, error)
}

// Attachment is the file a message carries: what a client needs to show
// it and fetch its bytes (PROTOCOL.md, "Attachments").
type Attachment struct {
	// ID names the file in the FileStore and in its download URL.
	ID string `json:"id"`
	// Name is the file's name as the uploader gave it, without any
	// directory, at most 255 bytes.
	Name string `json:"name"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// ContentType is the type sniffed from the file's first bytes, such
	// as "image/png" (never what the uploader claimed).
	ContentType string `json:"contentType"`
}

// File is the record of an attached file, kept by a Storage with
// FileIndex.
type File struct {
	Attachment
	// ConversationID is the conversation the file was attached in; only
	// its participants may fetch it.
	ConversationID string `json:"conversationId"`
	// Sender is who uploaded it, a visitor or an agent; UploaderID is
	// their id.
	Sender     SenderKind `json:"sender"`
	UploaderID string     `json:"uploaderId"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// IsPreviewable reports whether a file of this content type is one of the
// raster image types (PNG, JPEG, GIF, WebP) that are served inline and
// shown as previews; every other file is served as a download.
func IsPreviewable(contentType string) bool {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}
