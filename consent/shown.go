package consent

import "golang.org/x/text/language"

// Sender names who a visitor agrees to hear from, for the default label
// of the consent to communicate: the first of Company, Account and Domain
// that is not blank (see CommunicationLabel).
type Sender struct {
	Company string // the host's company name
	Account string // the host's account name
	Domain  string // the site's domain, such as "www.example.com"
}

// Texts are the consent texts a visitor is shown in one language. They
// are what the widget displays (through Segments) and what a Record
// stores and hashes, so the server and the widget agree on what was
// agreed to.
type Texts struct {
	// Cookies is the cookie banner's text; empty when cookie consent is
	// disabled.
	Cookies string `json:"cookies,omitempty"`
	// Processing is the processing text; empty when disabled.
	Processing string `json:"processing,omitempty"`
	// Communication is one checkbox per subscription; none when consent to
	// communicate is disabled.
	Communication []Checkbox `json:"communication,omitempty"`
}

// Checkbox is one consent to communicate.
type Checkbox struct {
	Kind  Kind   `json:"kind"`  // CommunicationKind of the subscription
	Label string `json:"label"` // shown as plain text, links included
}

// Texts returns the consent texts s shows in the language matching lang:
// each text of s where set, else c's text for it (c may be nil for the
// defaults). {privacyPolicyUrl} is filled with
// Processing.PrivacyPolicyURL when that is set; otherwise a default
// text's privacy-policy link shows as plain text.
func (s Settings) Texts(c *Catalog, lang language.Tag, sender Sender) Texts {
	var t Texts
	var args []string
	if u := s.Processing.PrivacyPolicyURL; u != "" {
		args = []string{"privacyPolicyUrl", u}
	}
	if s.Cookies.Enabled {
		t.Cookies = fill(or(s.Cookies.Text, c.Text(lang, KeyCookieText)), args)
	}
	if p := s.Processing; p.Enabled {
		key := KeyProcessingExplicitText
		if p.Kind == ProcessingLegitimateInterest {
			key = KeyProcessingLegitimateText
		}
		t.Processing = fill(or(p.Text, c.Text(lang, key)), args)
	}
	if cm := s.Communication; cm.Enabled {
		for _, sub := range cm.Subscriptions {
			l := or(sub.Label, cm.Label)
			if l == "" {
				l = c.CommunicationLabel(sender.Company, sender.Account, sender.Domain, lang)
			}
			t.Communication = append(t.Communication, Checkbox{Kind: CommunicationKind(sub.ID), Label: l})
		}
	}
	return t
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
