package livechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/golivechat/livechat/flow"
)

// attachments stores the files visitors and agents attach and the
// messages that carry them, and hands their bytes to the participants.
// It is nil when Config.Files is not set.
type attachments struct {
	eng   *engine
	files FileStore
	index FileIndex
}

// newAttachments returns the attachments of a Handler whose Config has a
// FileStore, else nil. withDefaults checked that the Storage is a
// FileIndex.
func newAttachments(eng *engine) *attachments {
	if eng.cfg.Files == nil {
		return nil
	}
	return &attachments{eng: eng, files: eng.cfg.Files, index: eng.store.(FileIndex)}
}

// chatFiles is what a chat allows to attach, as the widget and the inbox
// learn it (PROTOCOL.md, "Attachments").
type chatFiles struct {
	MaxSize int64    `json:"maxSize"`
	Types   []string `json:"types"`
}

// limits returns what the conversation's chatflow allows to attach, or
// nil when attachments are off there (or the Handler has no FileStore).
func (at *attachments) limits(ctx context.Context, c *Conversation) *chatFiles {
	if at == nil {
		return nil
	}
	return filesOf(at.eng.flows.flowFor(ctx, c.ChatflowID), true)
}

// filesOf is f's chatFiles when on is true and f allows files, else nil.
// A conversation of no chatflow (or of one deleted since) takes no files:
// no chatflow says it may.
func filesOf(f *flow.Chatflow, on bool) *chatFiles {
	if !on || f == nil || !f.Options.Files.Enabled {
		return nil
	}
	return &chatFiles{MaxSize: f.Options.Files.MaxSize, Types: f.Options.Files.Types}
}

// upload is one file attached to a message.
type upload struct {
	conversationID string
	sender         SenderKind
	authorID       string // the visitor's or the agent's id
	clientMsgID    string
	name           string
	// contentType is what the caller sniffed from the first bytes, which
	// body still holds.
	contentType string
	body        io.Reader
}

var (
	errFilesOff = publicf(ErrForbidden, "files cannot be attached in this chat")
	errNoFile   = publicf(ErrNotFound, "file not found")
)

// attach stores an uploaded file and posts the message that carries it:
// the checks of a message of its sender first, then the bytes, the
// record and the message, each undone when a later step fails. A resend
// of the client message id returns the message stored the first time.
func (at *attachments) attach(ctx context.Context, up upload) (*Message, bool, error) {
	if at == nil {
		return nil, false, errFilesOff
	}
	e := at.eng
	if err := checkClientMsgID(up.clientMsgID); err != nil {
		return nil, false, err
	}
	var c *Conversation
	var err error
	var alias, authorName string
	if up.sender == SenderVisitor {
		c, err = e.visitorConversationByID(ctx, up.authorID, up.conversationID)
	} else {
		c, err = e.conversation(ctx, up.conversationID)
	}
	if err != nil {
		return nil, false, err
	}
	if m := e.resentMessage(ctx, c.ID, up.sender, up.authorID, up.clientMsgID); m != nil {
		return m, false, nil
	}
	if up.sender == SenderVisitor {
		if c.Status == StatusClosed {
			return nil, false, publicf(ErrClosed, "conversation is closed")
		}
		if err := e.checkConsent(ctx, up.authorID, c); err != nil {
			return nil, false, err
		}
	} else {
		a, err := e.store.Agent(ctx, up.authorID)
		if err != nil {
			return nil, false, fmt.Errorf("livechat: agent: %w", err)
		}
		authorName = a.Name
		alias = brandAlias(e.flows.flowFor(ctx, c.ChatflowID))
	}
	lim := at.limits(ctx, c)
	if lim == nil {
		return nil, false, errFilesOff
	}
	allowed := flow.Files{Enabled: true, MaxSize: lim.MaxSize, Types: lim.Types}
	if !allowed.Allows(up.contentType, 0) {
		return nil, false, publicf(errUnsupportedMedia, "%s files cannot be attached here; allowed: %s", up.contentType, strings.Join(lim.Types, ", "))
	}
	name, err := fileName(up.name)
	if err != nil {
		return nil, false, err
	}

	f := &File{
		Attachment:     Attachment{ID: newID(), Name: name, ContentType: up.contentType},
		ConversationID: c.ID, Sender: up.sender, UploaderID: up.authorID, CreatedAt: e.now().UTC(),
	}
	n, err := at.files.Put(ctx, f.ID, &limitedReader{r: up.body, left: lim.MaxSize})
	if err != nil {
		if errors.Is(err, errFileTooLarge) {
			return nil, false, publicf(ErrTooLarge, "the file is larger than %d bytes", lim.MaxSize)
		}
		return nil, false, fmt.Errorf("livechat: store file: %w", err)
	}
	f.Size = n
	undo := func(record bool) {
		// The request may have ended: the cleanup must still run.
		ctx := context.WithoutCancel(ctx)
		if record {
			if err := at.index.DeleteFile(ctx, f.ID); err != nil {
				e.log.Warn("livechat: remove the record of an unsent file", "file", f.ID, "err", err)
			}
		}
		if err := at.files.Delete(ctx, f.ID); err != nil {
			e.log.Warn("livechat: remove an unsent file", "file", f.ID, "err", err)
		}
	}
	if err := at.index.PutFile(ctx, f); err != nil {
		undo(false)
		return nil, false, fmt.Errorf("livechat: record file: %w", err)
	}
	att := f.Attachment
	m, created, err := e.post(ctx, &Message{
		ConversationID: c.ID,
		ClientMsgID:    up.clientMsgID,
		Sender:         up.sender,
		AuthorID:       up.authorID,
		AuthorName:     authorName,
		Attachment:     &att,
	}, alias)
	if err != nil || !created {
		// A concurrent resend stored the message first: it carries its own file.
		undo(true)
		return m, false, err
	}
	if up.sender == SenderVisitor {
		e.routing.afterVisitorMessage(ctx, c, m)
	}
	return m, true, nil
}

// errFileTooLarge is what limitedReader returns past its limit.
var errFileTooLarge = errors.New("livechat: file too large")

// limitedReader reads up to left bytes and fails with errFileTooLarge
// when there are more, so that a FileStore stores nothing of a file over
// the limit (the HTTP layer also bounds the body it reads).
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errFileTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, errFileTooLarge
	}
	return n, err
}

// fileName is the name an uploader gave, made safe to show and to put
// in a Content-Disposition header: the last path element, without
// control and bidirectional formatting characters, at most 255 bytes;
// "file" when nothing is left.
func fileName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", publicf(ErrInvalid, "the file name must be valid UTF-8")
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		name = "file"
	}
	return name, nil
}

// open returns a file's record and bytes when the caller may see it: an
// agent (visitorID empty) sees every file, a visitor those of their own
// conversations; any other file is errNoFile, as an unknown id is.
func (at *attachments) open(ctx context.Context, id, visitorID string, agent bool) (*File, io.ReadCloser, error) {
	if at == nil || !validID(id) {
		return nil, nil, errNoFile
	}
	f, err := at.index.File(ctx, id)
	if isNotFound(err) {
		return nil, nil, errNoFile
	}
	if err != nil {
		return nil, nil, err
	}
	if !agent {
		if _, err := at.eng.visitorConversationByID(ctx, visitorID, f.ConversationID); err != nil {
			if isNotFound(err) {
				return nil, nil, errNoFile
			}
			return nil, nil, err
		}
	}
	rc, err := at.files.Open(ctx, id)
	if isNotFound(err) {
		return nil, nil, errNoFile
	}
	if err != nil {
		return nil, nil, fmt.Errorf("livechat: open file: %w", err)
	}
	return f, rc, nil
}

// eraseVisitor deletes the bytes of every file of the visitor's
// conversations; the Storage deletes their records with the
// conversations.
func (at *attachments) eraseVisitor(ctx context.Context, visitorID string) error {
	if at == nil {
		return nil
	}
	list, err := at.index.VisitorFiles(ctx, visitorID)
	if err != nil {
		return fmt.Errorf("livechat: list the visitor's files: %w", err)
	}
	for _, f := range list {
		if err := at.files.Delete(ctx, f.ID); err != nil && !isNotFound(err) {
			return fmt.Errorf("livechat: erase file: %w", err)
		}
	}
	return nil
}
