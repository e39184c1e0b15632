package knowledge_test

import (
	"context"
	"fmt"

	"github.com/golivechat/livechat/knowledge"
)

func Example() {
	kb := knowledge.NewIndex()
	err := kb.Add(knowledge.Article{
		ID:       "prices",
		Title:    "Översikt av priser",
		Body:     "<p>Våra <strong>priser</strong> per månad.</p>",
		URL:      "/help/priser",
		Language: "sv",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := kb.Search(context.Background(), knowledge.Query{Text: "oversikt", Language: "sv-SE"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Println(r.Title)
		fmt.Println(r.Snippet)
	}
	// Output:
	// Översikt av priser
	// Våra priser per månad.
}

func ExampleSanitize() {
	fmt.Println(knowledge.Sanitize(`<p onclick="steal()">See <a href="/help">help</a><script>alert(1)</script></p>`))
	// Output:
	// <p>See <a href="/help" rel="noopener noreferrer nofollow" target="_blank">help</a></p>
}
