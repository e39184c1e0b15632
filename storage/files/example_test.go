package files_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/golivechat/livechat/storage/files"
)

// A directory keeps the bytes of attached files; the Handler stores,
// serves and deletes them by id (Config.Files).
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "chat-files")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fs, err := files.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer fs.Close()

	ctx := context.Background()
	n, err := fs.Put(ctx, "f1", strings.NewReader("hello"))
	fmt.Println(n, err)
	r, err := fs.Open(ctx, "f1")
	if err != nil {
		log.Fatal(err)
	}
	data, _ := io.ReadAll(r)
	r.Close()
	fmt.Println(string(data))
	_, err = fs.Put(ctx, "../etc/passwd", strings.NewReader("x"))
	fmt.Println(err != nil)
	// Output:
	// 5 <nil>
	// hello
	// true
}
