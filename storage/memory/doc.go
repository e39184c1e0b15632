// Package memory is a [livechat.Storage] that keeps everything in the
// process's memory: for tests, demos and a single process that may lose
// its chats on restart. Use a persistent adapter such as storage/sqlite
// when conversations must survive a restart.
//
// A [Store] passes the storage/storagetest conformance suite: it is safe
// for concurrent use and copies every value in and out.
package memory
