package knowledge_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/golivechat/livechat/knowledge"
)

// benchIndex returns an Index of n articles of 150 words each, drawn with a
// Zipf distribution from a vocabulary of Swedish and English words and
// 5,000 made-up ones, so common words are in most articles and rare ones
// in a few.
func benchIndex(b *testing.B, n int) *knowledge.Index {
	b.Helper()
	vocab := strings.Fields("och att det som på är av för med till den har de inte om " +
		"the and to of a in is you that it for on with as your " +
		"översikt priser konto faktura betalning inloggning lösenord säkerhet " +
		"export import chatt widget inställningar team agent kö tillgänglighet öppettider " +
		"overview prices account invoice payment login password security settings queue hours " +
		"café straße über månad företag support help article search language")
	r := rand.New(rand.NewPCG(1, 2))
	syllables := strings.Fields("ka lo mi nu ra se ti vo bä rö ly gen ståm fer din pol")
	for len(vocab) < 5000 {
		var w strings.Builder
		for range 2 + r.IntN(3) {
			w.WriteString(syllables[r.IntN(len(syllables))])
		}
		vocab = append(vocab, w.String())
	}
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(vocab)-1))
	x := knowledge.NewIndex()
	for i := range n {
		var body strings.Builder
		for w := range 150 {
			if w%12 == 11 {
				body.WriteString(". ")
			}
			body.WriteString(vocab[zipf.Uint64()])
			body.WriteByte(' ')
		}
		a := knowledge.Article{
			ID:       fmt.Sprintf("a%04d", i),
			Title:    vocab[30+r.IntN(len(vocab)-30)] + " " + vocab[30+r.IntN(len(vocab)-30)],
			Body:     "<p>" + body.String() + "</p>",
			Language: []string{"sv", "en", "de"}[i%3],
		}
		if err := x.Add(a); err != nil {
			b.Fatal(err)
		}
	}
	return x
}

// BenchmarkSearch searches 1,000 articles: two whole words, words and a
// prefix as typed, and a short prefix matching hundreds of words.
func BenchmarkSearch(b *testing.B) {
	x := benchIndex(b, 1000)
	ctx := context.Background()
	for _, q := range []knowledge.Query{
		{Text: "oversikt priser", Language: "sv"},
		{Text: "export faktura pa", Language: "sv"},
		{Text: "ka"},
	} {
		b.Run(q.Text, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
