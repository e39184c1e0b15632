package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

var _ livechat.FileIndex = (*Store)(nil)

// PutFile stores a new file record. Returns livechat.ErrInvalid for a nil
// file or an empty ID, livechat.ErrNotFound when its conversation does
// not exist (the foreign key) and livechat.ErrConflict when the ID is
// taken (the primary key).
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
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.files (id, conversation_id, name, size, content_type, sender, uploader_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`),
		f.ID, f.ConversationID, f.Name, f.Size, f.ContentType, string(f.Sender), f.UploaderID, created)
	return s.fail(op, err)
}

const fileColumns = `id, conversation_id, name, size, content_type, sender, uploader_id, created_at`

func scanFile(row pgx.Row) (*livechat.File, error) {
	f := new(livechat.File)
	var sender string
	err := row.Scan(&f.ID, &f.ConversationID, &f.Name, &f.Size, &f.ContentType, &sender, &f.UploaderID, timeCol{&f.CreatedAt})
	if err != nil {
		return nil, err
	}
	f.Sender = livechat.SenderKind(sender)
	return f, nil
}

// File returns the record with the id. Returns livechat.ErrNotFound.
func (s *Store) File(ctx context.Context, id string) (*livechat.File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	f, err := scanFile(s.pool.QueryRow(ctx, s.q(`SELECT `+fileColumns+` FROM {schema}.files WHERE id = $1`), id))
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
	return s.fail(fmt.Sprintf("delete file %q", id), mustAffect(s.pool.Exec(ctx, s.q(`DELETE FROM {schema}.files WHERE id = $1`), id)))
}

// VisitorFiles returns the records of the files of the visitor's
// conversations, oldest first.
func (s *Store) VisitorFiles(ctx context.Context, visitorID string) ([]*livechat.File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, s.pool, scanFile, s.q(`SELECT `+fileColumns+` FROM {schema}.files
		WHERE conversation_id IN (SELECT id FROM {schema}.conversations WHERE visitor_id = $1)
		ORDER BY created_at, id`), visitorID)
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
		return fmt.Errorf("attachment column holds %T, want text", src)
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
