package web_test

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/golivechat/livechat/web"
)

// Example lists the widget's files and the pages of the inbox (each
// loads scripts and styles from beside it).
func Example() {
	fs.WalkDir(web.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (path.Dir(p) == "." || path.Ext(p) == ".html") {
			fmt.Println(p)
		}
		return err
	})
	// Output:
	// chat.css
	// chat.js
	// inbox/chatflows.html
	// inbox/index.html
	// inbox/team.html
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
