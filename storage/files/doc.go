// Package files is a [livechat.FileStore] that keeps the bytes of
// attached files in a directory of the local file system, one file per
// id:
//
//	fs, err := files.Open("chat-files")
//	chat, err := livechat.New(livechat.Config{Storage: store, Files: fs, ...})
//
// # The hard cases
//
//   - Atomic writes: Put writes to a temporary file in the same directory
//     (its name starts with ".put-", which no id can), syncs it and links it
//     under the id only once every byte is on disk, so a reader never sees
//     half a file and a failed or cancelled Put leaves nothing behind. A
//     temporary file that a crash left is removed by the next Open once it
//     is an hour old.
//   - Names never leave the directory: an id is 1 to 64 of A-Z, a-z, 0-9,
//     '-' and '_' (anything else is livechat.ErrInvalid), and every access
//     goes through an [os.Root] of the directory, which refuses paths
//     and symbolic links that lead outside it.
//   - Several nodes may share the directory (over a network file system):
//     the link that publishes a file fails if the id is taken, so two Puts
//     of one id store one file and the other gets livechat.ErrConflict.
//
// A [Store] passes the storage/filestoretest conformance suite.
package files
