package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/golivechat/livechat"
)

var _ livechat.FileIndex = (*Store)(nil)

// PutFile stores a new file record. Returns livechat.ErrInvalid for a nil
// file or an empty ID, livechat.ErrNotFound when its conversation does
// not exist and livechat.ErrConflict when the ID is taken.
func (s *Store) PutFile(ctx context.Context, f *livechat.File) error {
	if f == nil || f.ID == "" {
		return nilArg("file")
	}
	op := fmt.Sprintf("put file %q", f.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	created := e.time(f.CreatedAt)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	return s.fail(op, s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, f.ConversationID).Scan(&one); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO files (id, conversation_id, name, size, content_type, sender, uploader_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.ConversationID, f.Name, f.Size, f.ContentType, string(f.Sender), f.UploaderID, created)
		return err
	}))
}

const fileColumns = `id, conversation_id, name, size, content_type, sender, uploader_id, created_at`

func scanFile(row rowScanner) (*livechat.File, error) {
	f := new(livechat.File)
	err := row.Scan(&f.ID, &f.ConversationID, &f.Name, &f.Size, &f.ContentType, &f.Sender, &f.UploaderID, timeCol{&f.CreatedAt})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// File returns the record with the id. Returns livechat.ErrNotFound.
func (s *Store) File(ctx context.Context, id string) (*livechat.File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	f, err := scanFile(s.r.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = ?`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("file %q", id), err)
	}
	return f, nil
}

// DeleteFile removes a record. Returns livechat.ErrNotFound.
func (s *Store) DeleteFile(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	return s.fail(fmt.Sprintf("delete file %q", id), s.writeTx(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM files WHERE id = ?`, id))
	}))
}

// VisitorFiles returns the records of the files of the visitor's
// conversations, oldest first.
func (s *Store) VisitorFiles(ctx context.Context, visitorID string) ([]*livechat.File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	var out []*livechat.File
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scanFile, `SELECT `+fileColumns+` FROM files
			WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?)
			ORDER BY created_at, id`, visitorID)
		return err
	})
	return out, s.fail(fmt.Sprintf("files of visitor %q", visitorID), err)
}

// attachmentText is a message's attachment as its column holds it: JSON,
// or ” for none.
func attachmentText(a *livechat.Attachment) string {
	if a == nil {
		return ""
	}
	b, _ := json.Marshal(a) // strings and a number: cannot fail
	return string(b)
}

func cloneAttachment(a *livechat.Attachment) *livechat.Attachment {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

// attachmentCol scans the attachment column.
type attachmentCol struct{ a **livechat.Attachment }

// Scan implements sql.Scanner.
func (c attachmentCol) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case nil:
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("attachment column holds %T, want TEXT", src)
	}
	*c.a = nil
	if len(text) == 0 {
		return nil
	}
	a := new(livechat.Attachment)
	if err := json.Unmarshal(text, a); err != nil {
		return err
	}
	*c.a = a
	return nil
}
