package memory

import (
	"hash/maphash"
	"time"

	"github.com/golivechat/livechat"
)

// messageLog holds a conversation's messages in memory that holds no
// pointers: the strings of every message back to back in byte chunks, a
// fixed-size record per message, and the client-id index keyed by a hash.
// The garbage collector marks such memory without reading it, so the cost
// of a collection does not grow with the number of stored messages, and
// neither do the pauses a busy server sees while one runs.
type messageLog struct {
	chunks [][]byte    // the messages' strings; a chunk never moves once written
	recs   []storedMsg // recs[i] is the message with Seq i+1
	// byClient maps the hash of a message's clientKey to its index in recs;
	// a key whose hash another key already holds goes to collided.
	byClient map[uint64]int32
	collided map[clientKey]int32
	// locs holds the Location of the CreatedAt of the few messages whose
	// time is not in UTC, by index in recs.
	locs map[int32]*time.Location
	// atts holds the Attachment of the few messages that carry one, by
	// index in recs.
	atts map[int32]livechat.Attachment
}

// The strings of a stored message, in the order they are written.
const (
	fieldID = iota
	fieldClientMsgID
	fieldSender
	fieldAuthorID
	fieldAuthorName
	fieldText
	fieldCode
	nFields
)

// storedMsg is one message of a messageLog: where its strings are, and its
// time. It holds no pointers.
type storedMsg struct {
	chunk int32
	off   uint32 // offset of the first string in chunks[chunk]
	lens  [nFields]uint32
	sec   int64 // CreatedAt: Unix seconds and nanoseconds
	nsec  int32
}

// Chunk sizes: a conversation's first chunk is small, and each next one
// doubles up to maxChunk, so a short conversation costs little and a long
// one is not copied as it grows.
const (
	firstChunk = 512
	maxChunk   = 64 << 10
)

// hashSeed keys the client-id hashes of every Store of the process.
var hashSeed = maphash.MakeSeed()

func hashClientKey(k clientKey) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	h.WriteString(string(k.sender))
	h.WriteByte(0)
	h.WriteString(k.authorID)
	h.WriteByte(0)
	h.WriteString(k.clientMsgID)
	return h.Sum64()
}

// len is the number of messages, which is the last Seq.
func (l *messageLog) len() int { return len(l.recs) }

// add stores m, whose Seq must be l.len()+1; h is hashClientKey of its
// clientKey when it has a client id. Strings longer than 4 GiB cannot be
// stored; the caller checks with fits.
func (l *messageLog) add(m *livechat.Message, h uint64) {
	fields := [nFields]string{m.ID, m.ClientMsgID, string(m.Sender), m.AuthorID, m.AuthorName, m.Text, m.Code}
	size := 0
	for _, f := range fields {
		size += len(f)
	}
	last := len(l.chunks) - 1
	if last < 0 || len(l.chunks[last])+size > cap(l.chunks[last]) {
		n := firstChunk
		if last >= 0 {
			n = min(2*cap(l.chunks[last]), maxChunk)
		}
		l.chunks = append(l.chunks, make([]byte, 0, max(n, size)))
		last++
	}
	c := l.chunks[last]
	r := storedMsg{chunk: int32(last), off: uint32(len(c)), sec: m.CreatedAt.Unix(), nsec: int32(m.CreatedAt.Nanosecond())}
	for i, f := range fields {
		r.lens[i] = uint32(len(f))
		c = append(c, f...)
	}
	l.chunks[last] = c
	i := int32(len(l.recs))
	l.recs = append(l.recs, r)
	if loc := m.CreatedAt.Location(); loc != time.UTC {
		if l.locs == nil {
			l.locs = make(map[int32]*time.Location)
		}
		l.locs[i] = loc
	}
	if m.Attachment != nil {
		if l.atts == nil {
			l.atts = make(map[int32]livechat.Attachment)
		}
		l.atts[i] = *m.Attachment
	}
	if m.ClientMsgID != "" {
		k := clientKeyOf(m)
		if l.byClient == nil {
			l.byClient = make(map[uint64]int32)
		}
		if _, taken := l.byClient[h]; !taken {
			l.byClient[h] = i
		} else {
			if l.collided == nil {
				l.collided = make(map[clientKey]int32)
			}
			l.collided[k] = i
		}
	}
}

// fits says whether m's strings can be stored: each under 4 GiB, and all
// of them within one chunk's 32-bit offsets.
func fits(m *livechat.Message) bool {
	n := len(m.ID) + len(m.ClientMsgID) + len(m.Sender) + len(m.AuthorID) + len(m.AuthorName) + len(m.Text) + len(m.Code)
	return uint64(n) < 1<<32
}

// byClientKey is the index of the message stored under k, whose
// hashClientKey is h, or -1.
func (l *messageLog) byClientKey(k clientKey, h uint64) int {
	if i, ok := l.byClient[h]; ok && l.hasKey(int(i), k) {
		return int(i)
	}
	if i, ok := l.collided[k]; ok {
		return int(i)
	}
	return -1
}

// hasKey says whether the message at index i is stored under k.
func (l *messageLog) hasKey(i int, k clientKey) bool {
	return string(l.field(i, fieldClientMsgID)) == k.clientMsgID &&
		string(l.field(i, fieldAuthorID)) == k.authorID &&
		string(l.field(i, fieldSender)) == string(k.sender)
}

// field is the bytes of one string of the message at index i.
func (l *messageLog) field(i, field int) []byte {
	r := &l.recs[i]
	off := int(r.off)
	for _, n := range r.lens[:field] {
		off += int(n)
	}
	return l.chunks[r.chunk][off : off+int(r.lens[field])]
}

// message is a copy of the message at index i of the conversation with
// the id: its strings share one new allocation.
func (l *messageLog) message(conversationID string, i int) *livechat.Message {
	r := &l.recs[i]
	total := 0
	for _, n := range r.lens {
		total += int(n)
	}
	all := string(l.chunks[r.chunk][r.off : int(r.off)+total])
	var f [nFields]string
	off := 0
	for j, n := range r.lens {
		f[j] = all[off : off+int(n)]
		off += int(n)
	}
	at := time.Unix(r.sec, int64(r.nsec)).UTC()
	if loc, ok := l.locs[int32(i)]; ok {
		at = at.In(loc)
	}
	m := &livechat.Message{
		ID:             f[fieldID],
		ClientMsgID:    f[fieldClientMsgID],
		ConversationID: conversationID,
		Seq:            int64(i) + 1,
		Sender:         livechat.SenderKind(f[fieldSender]),
		AuthorID:       f[fieldAuthorID],
		AuthorName:     f[fieldAuthorName],
		Text:           f[fieldText],
		CreatedAt:      at,
		Code:           f[fieldCode],
	}
	if a, ok := l.atts[int32(i)]; ok {
		m.Attachment = &a
	}
	return m
}
