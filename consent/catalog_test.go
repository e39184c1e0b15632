package consent_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/golivechat/livechat/consent"
)

var placeholder = regexp.MustCompile(`\{[A-Za-z]+\}`)

func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

func TestDefaultTexts(t *testing.T) {
	require.Equal(t, []language.Tag{en, sv, de, fr, es}, consent.Languages())
	keys := consent.Keys()
	require.Len(t, keys, 80)
	seen := map[consent.Key]bool{}
	for _, k := range keys {
		require.False(t, seen[k], "duplicate key %s", k)
		seen[k] = true
		require.True(t, k.Known())
	}
	require.False(t, consent.Key("nope").Known())

	for _, lang := range consent.Languages() {
		all := (*consent.Catalog)(nil).All(lang)
		require.Len(t, all, len(keys), lang.String())
		for _, k := range keys {
			text := consent.Default(lang, k)
			require.NotEmpty(t, strings.TrimSpace(text), "%s %s", lang, k)
			require.Equal(t, text, all[k])
			require.Equal(t, placeholders(consent.Default(en, k)), placeholders(text),
				"%s %s keeps the English placeholders", lang, k)
			require.NotContains(t, text, "  ", "%s %s", lang, k)
			if lang != en && len(text) > 30 {
				require.NotEqual(t, consent.Default(en, k), text, "%s %s is translated", lang, k)
			}
			if strings.Contains(text, "{privacyPolicyUrl}") {
				segs := consent.Segments(strings.ReplaceAll(text, "{privacyPolicyUrl}", "https://example.com/privacy"))
				require.Len(t, segs, 3, "%s %s has one link", lang, k)
				require.Equal(t, "https://example.com/privacy", segs[1].URL)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name              string
		chatflow, visitor string
		want              language.Tag
	}{
		{"VisitorRegionToBase", "en", "sv-SE", sv},
		{"VisitorAustrianToGerman", "en", "de-AT", de},
		{"VisitorCanadianFrench", "en", "fr-CA,fr;q=0.9", fr},
		{"VisitorLatinAmericanSpanish", "en", "es-419", es},
		{"VisitorBeforeChatflow", "sv", "de-DE,de;q=0.9", de},
		{"VisitorEnglishBeforeChatflow", "sv", "en-US,en;q=0.9", en},
		{"VisitorPreferenceOrder", "en", "pt-BR,pt;q=0.9,fr;q=0.5,es;q=0.4", fr},
		{"VisitorLowQualitySupported", "de", "fi,sv;q=0.1", sv},
		{"UnsupportedVisitorToChatflow", "sv", "fi-FI,fi;q=0.9", sv},
		{"ChatflowRegion", "fr-BE", "", fr},
		{"NoVisitorToChatflow", "es", "", es},
		{"WildcardToChatflow", "de", "*", de},
		{"MalformedVisitorToChatflow", "fr", "not a language!!", fr},
		{"UnsupportedBothToEnglish", "pt", "pt-BR", en},
		{"PortugueseToEnglish", "", "pt", en},
		{"NothingToEnglish", "", "", en},
		{"MalformedChatflowToEnglish", "12", "", en},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, consent.Match(tt.chatflow, tt.visitor))
		})
	}
}

func TestText(t *testing.T) {
	var c *consent.Catalog // nil: defaults
	tests := []struct {
		name string
		lang language.Tag
		key  consent.Key
		args []string
		want string
	}{
		{"OKFilled", en, consent.KeyQueuePosition, []string{"n", "3"}, "You are number 3 in the queue."},
		{"OKSwedish", sv, consent.KeyQueuePosition, []string{"n", "2"}, "Du är nummer 2 i kön."},
		{"OKRegionMatched", language.MustParse("de-CH"), consent.KeyProcessingAgree, nil, "Ich stimme zu"},
		{"OKUnsupportedIsEnglish", language.Portuguese, consent.KeyProcessingAgree, nil, "I agree"},
		{"OKUnfilledLeft", en, consent.KeyReturnTime, []string{"day", "Monday"}, "We're offline. We'll be back Monday at {time}."},
		{"OKBothFilled", fr, consent.KeyReturnTime, []string{"day", "lundi", "time", "09:00"}, "Nous sommes hors ligne. Nous serons de retour lundi à 09:00."},
		{"OKValueNotReread", en, consent.KeyTyping, []string{"name", "{n}", "n", "5"}, "{n} is typing…"},
		{"OKUnpairedIgnored", en, consent.KeyTyping, []string{"name"}, "{name} is typing…"},
		{"EmptyUnknownKey", en, consent.Key("nope"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, c.Text(tt.lang, tt.key, tt.args...))
		})
	}
}

func TestOverrides(t *testing.T) {
	t.Run("OverrideThenReset", func(t *testing.T) {
		var c consent.Catalog
		require.NoError(t, c.Set("sv", consent.KeyWaitMessage, "Vänta lite, {name}!"))
		require.Equal(t, "Vänta lite, Ada!", c.Text(language.MustParse("sv-FI"), consent.KeyWaitMessage, "name", "Ada"))
		require.Equal(t, "Vänta lite, {name}!", c.All(sv)[consent.KeyWaitMessage])
		require.Equal(t, consent.Default(en, consent.KeyWaitMessage), c.Text(en, consent.KeyWaitMessage), "other languages keep the default")
		require.Equal(t, "Alla våra medarbetare är upptagna. Vi är strax hos dig.", consent.Default(sv, consent.KeyWaitMessage))
		require.NoError(t, c.Validate())

		c.Reset("sv", consent.KeyWaitMessage)
		require.Equal(t, consent.Default(sv, consent.KeyWaitMessage), c.Text(sv, consent.KeyWaitMessage))
		require.Empty(t, c.Overrides, "an empty language is removed")
		c.Reset("sv", consent.KeyWaitMessage) // nothing to reset
		(*consent.Catalog)(nil).Reset("sv", consent.KeyWaitMessage)
	})
	t.Run("EmptyOverrideIsDefault", func(t *testing.T) {
		c := consent.Catalog{Overrides: map[string]map[consent.Key]string{"en": {consent.KeySend: ""}}}
		require.Equal(t, "Send", c.Text(en, consent.KeySend))
		require.NoError(t, c.Set("en", consent.KeySend, "Go"))
		require.NoError(t, c.Set("en", consent.KeySend, ""))
		require.Equal(t, "Send", c.Text(en, consent.KeySend))
	})
	t.Run("ErrSet", func(t *testing.T) {
		var c consent.Catalog
		require.EqualError(t, c.Set("pt", consent.KeySend, "Enviar"), "overrides.pt: must be one of en, sv, de, fr, es")
		require.EqualError(t, c.Set("sv-SE", consent.KeySend, "Skicka"), "overrides.sv-SE: must be one of en, sv, de, fr, es")
		require.EqualError(t, c.Set("sv", "nope", "x"), "overrides.sv.nope: unknown key")
		require.EqualError(t, c.Set("sv", consent.KeySend, strings.Repeat("x", consent.MaxTextLen+1)),
			"overrides.sv.send: must be at most 2000 characters")
		require.Nil(t, c.Overrides, "a refused Set changes nothing")
	})
	t.Run("ErrValidate", func(t *testing.T) {
		c := consent.Catalog{Overrides: map[string]map[consent.Key]string{
			"pt": {consent.KeySend: "Enviar"},
			"de": {consent.KeySend: "\xff", "nope": "x", consent.KeyTitle: "Hallo"},
		}}
		var errs consent.Errors
		require.True(t, errors.As(c.Validate(), &errs))
		require.Equal(t, consent.Errors{
			{Path: "overrides.de.nope", Message: "unknown key"},
			{Path: "overrides.de.send", Message: "must be valid UTF-8"},
			{Path: "overrides.pt", Message: "must be one of en, sv, de, fr, es"},
		}, errs)
		require.NoError(t, (*consent.Catalog)(nil).Validate())
	})
}

func TestCommunicationLabel(t *testing.T) {
	tests := []struct {
		name                     string
		company, account, domain string
		lang                     language.Tag
		want                     string
	}{
		{"Company", "Acme AB", "acme", "acme.se", en, "I agree to receive communications from Acme AB."},
		{"AccountWithoutCompany", " ", "Acme", "acme.se", sv, "Jag samtycker till att ta emot kommunikation från Acme."},
		{"DomainWithoutWWW", "", "", "www.acme.de", de, "Ich bin damit einverstanden, Mitteilungen von acme.de zu erhalten."},
		{"Domain", "", "", "acme.fr", fr, "J’accepte de recevoir des communications de la part de acme.fr."},
		{"Unnamed", "", "", "", es, "Acepto recibir comunicaciones de este sitio web."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, consent.CommunicationLabel(tt.company, tt.account, tt.domain, tt.lang))
		})
	}
	t.Run("Overridden", func(t *testing.T) {
		c := consent.Catalog{Overrides: map[string]map[consent.Key]string{"en": {consent.KeyCommunicationLabel: "News from {name}, please."}}}
		require.Equal(t, "News from Acme, please.", c.CommunicationLabel("Acme", "", "", en))
	})
}
