package web_test

import (
	"fmt"
	"io/fs"

	"github.com/golivechat/livechat/web"
)

// Example lists the embedded assets.
func Example() {
	fs.WalkDir(web.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println(path)
		}
		return err
	})
	// Output:
	// chat.css
	// chat.js
	// inbox/inbox.css
	// inbox/inbox.js
	// inbox/index.html
	// widget.css
	// widget.js
}

// Example_readFile reads the first line of the widget script.
func Example_readFile() {
	b, err := fs.ReadFile(web.Files, "widget.js")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b[:23]))
	// Output:
	// /* golivechat visitor w
}
