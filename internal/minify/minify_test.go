package minify_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/golivechat/livechat/internal/minify"
)

func TestJS(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Comments", "a = 1; // one\n/* two\n */ b = 2;\n", "a=1;b=2;\n"},
		{"BlockCommentOnOneLine", "a /* x */ + b", "a+b\n"},
		{"KeepsWordSpaces", "const  x = typeof  y;\nreturn   x", "const x=typeof y;return x\n"},
		{"PlusPlus", "a + +b; c - -d; e + ++f", "a+ +b;c- -d;e+ ++f\n"},
		{"LineBreaksThatMayEndAStatement", "a = b\n(c)\nreturn\nx\ni\n++j", "a=b\n(c)\nreturn\nx\ni\n++j\n"},
		{"LineBreaksThatCannot", "f(a,\n  b);\nif (x) {\n  y();\n}\n", "f(a,b);if(x){y();}\n"},
		{"Strings", `s = 'a // b' + "c /* d */" + 'it\'s';`, `s='a // b'+"c /* d */"+'it\'s';` + "\n"},
		{"Template", "s = `a  ${b + `c ${ {d: 1}.d }`}  e // f`;", "s=`a  ${b+`c ${{d:1}.d}`}  e // f`;\n"},
		{"Regex", "x = /[/]\\/ +/g.test(s) / 2; return /a b/", "x=/[/]\\/ +/g.test(s)/ 2;return/a b/\n"},
		{"RegexAfterParen", "if (/ a /.test(s)) f(a / b / c)", "if(/ a /.test(s))f(a/ b/ c)\n"},
		{"Numbers", "x = 1 .toString() + 1.5 + .5e-3", "x=1 .toString()+1.5+.5e-3\n"},
		{"DivisionThenRegex", "a / /b/.source", "a/ /b/.source\n"},
		{"DivisionAfterIncrement", "a = i++ / 2; b = c-- / 3\nd = 'x'", "a=i++/ 2;b=c--/ 3\nd='x'\n"},
		{"RegexAfterUnaryPlus", "x = + /a/.source", "x=+/a/.source\n"},
		{"RegexThenWord", "x = /a/ in y", "x=/a/ in y\n"},
		{"Unicode", "const é = 'ü' ; é\ny", "const é='ü';é\ny\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := minify.JS([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JS(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJSErrors(t *testing.T) {
	for _, in := range []string{"'abc", "\"a\nb\"", "/* no end", "`abc", "`a ${b", "x = /abc\n/"} {
		if out, err := minify.JS([]byte(in)); !errors.Is(err, minify.ErrSyntax) {
			t.Errorf("JS(%q) = %q, %v; want ErrSyntax", in, out, err)
		}
	}
}

func TestCSS(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Comments", "/* a */ a { color: red; } /* b */", "a{color:red}"},
		{"Descendants", "#r  .a :focus,\n#r *::before { x: y }", "#r .a :focus,#r *::before{x:y}"},
		{"Calc", "a { b: calc(1px + max(2px, env(x))) !important; }", "a{b:calc(1px + max(2px,env(x))) !important}"},
		{"Media", "@media (max-width: 480px) {\n  a { b: c; }\n}\n", "@media (max-width:480px){a{b:c}}"},
		{"Strings", `a { font: "Segoe  UI", x; content: '/* no */'; }`, `a{font:"Segoe  UI",x;content:'/* no */'}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := minify.CSS([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("CSS(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
	for _, in := range []string{"/* a", "a { content: 'b }"} {
		if _, err := minify.CSS([]byte(in)); !errors.Is(err, minify.ErrSyntax) {
			t.Errorf("CSS(%q): %v, want ErrSyntax", in, err)
		}
	}
}

// TestWidgetScripts minifies the widget's scripts and has node check the
// result, when node is installed.
func TestWidgetScripts(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	for _, name := range []string{"widget.js", "chat.js", "inbox/inbox.js"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "web", name))
		if err != nil {
			t.Fatal(err)
		}
		out, err := minify.JS(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f := filepath.Join(t.TempDir(), filepath.Base(name))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
			t.Errorf("node --check on %s minified: %v\n%s", name, err, b)
		}
		t.Logf("%s: %d bytes, %d minified", name, len(src), len(out))
	}
}
