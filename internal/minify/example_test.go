package minify_test

import (
	"fmt"

	"github.com/golivechat/livechat/internal/minify"
)

func ExampleJS() {
	out, err := minify.JS([]byte(`// Greets someone.
function greet(name) {
  const re = /\s+/g; // runs of white space
  return 'Hello, ' + name.replace(re, ' ') + '!';
}
`))
	fmt.Printf("%s%v\n", out, err)
	// Output:
	// function greet(name){const re=/\s+/g;return'Hello, '+name.replace(re,' ')+'!';}
	// <nil>
}

func ExampleCSS() {
	out, err := minify.CSS([]byte(`/* the launcher */
#root .launcher :focus {
  right: calc(20px + 1em);
  color: red;
}
`))
	fmt.Printf("%s %v\n", out, err)
	// Output:
	// #root .launcher :focus{right:calc(20px + 1em);color:red} <nil>
}
