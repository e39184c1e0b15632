package consent_test

import (
	"fmt"

	"github.com/golivechat/livechat/consent"
)

func Example() {
	s := consent.Defaults()
	s.Processing.PrivacyPolicyURL = "https://example.com/privacy"
	if err := s.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	// The chatflow is in English; the visitor's browser asks for Swedish.
	lang := consent.Match("en", "sv-SE,sv;q=0.9,en;q=0.8")
	var c consent.Catalog
	_ = c.Set("sv", consent.KeyProcessingAgree, "Jag förstår och godkänner")

	texts := s.Texts(&c, lang, consent.Sender{Company: "Acme"})
	for _, seg := range consent.Segments(texts.Processing) {
		if seg.URL != "" {
			fmt.Printf("<a href=%q>%s</a>\n", seg.URL, seg.Text)
		} else {
			fmt.Printf("%q\n", seg.Text)
		}
	}
	fmt.Println(c.Text(lang, consent.KeyProcessingAgree))
	fmt.Println(consent.Required(s, nil))
	fmt.Println(c.Text(lang, consent.KeyQueuePosition, "n", "2"))
	// Output:
	// "För att chatta med oss behöver du godkänna att vi lagrar och behandlar de personuppgifter du delar i chatten, så att vi kan svara dig. Läs mer i vår "
	// <a href="https://example.com/privacy">integritetspolicy</a>
	// "."
	// Jag förstår och godkänner
	// [processing]
	// Du är nummer 2 i kön.
}
