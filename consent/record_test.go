package consent_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/consent"
)

func TestRequired(t *testing.T) {
	com := consent.CommunicationKind("news")
	tests := []struct {
		name    string
		change  func(s *consent.Settings)
		granted map[consent.Kind]bool
		want    []consent.Kind
	}{
		{"ExplicitNotGivenIsMissing", func(s *consent.Settings) {}, nil, []consent.Kind{consent.KindProcessing}},
		{"ExplicitGivenIsNotMissing", func(s *consent.Settings) {}, map[consent.Kind]bool{consent.KindProcessing: true}, nil},
		{"ExplicitWithdrawnIsMissing", func(s *consent.Settings) {},
			map[consent.Kind]bool{consent.KindProcessing: false, consent.KindCookies: true}, []consent.Kind{consent.KindProcessing}},
		{"LegitimateInterestNeverMissing", func(s *consent.Settings) { s.Processing.Kind = consent.ProcessingLegitimateInterest }, nil, nil},
		{"ProcessingDisabledNeverMissing", func(s *consent.Settings) { s.Processing.Enabled = false }, nil, nil},
		{"CookiesNeverMissing", func(s *consent.Settings) { s.Processing.Enabled = false },
			map[consent.Kind]bool{consent.KindCookies: false}, nil},
		{"CommunicationNeverMissing", func(s *consent.Settings) {
			s.Processing.Enabled = false
			s.Communication.Enabled = true
			s.Communication.Subscriptions = []consent.Subscription{{ID: "news"}}
		}, map[consent.Kind]bool{com: false}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := consent.Defaults()
			tt.change(&s)
			require.Equal(t, tt.want, consent.Required(s, tt.granted))
		})
	}
}

func TestImplied(t *testing.T) {
	s := consent.Defaults()
	require.Empty(t, consent.Implied(s), "explicit consent is never implied")
	s.Processing.Kind = consent.ProcessingLegitimateInterest
	require.Equal(t, []consent.Kind{consent.KindProcessing}, consent.Implied(s))
	s.Processing.Enabled = false
	require.Empty(t, consent.Implied(s))
}

func TestKind(t *testing.T) {
	tests := []struct {
		name  string
		kind  consent.Kind
		valid bool
		sub   string
	}{
		{"Cookies", consent.KindCookies, true, ""},
		{"Processing", consent.KindProcessing, true, ""},
		{"Communication", consent.CommunicationKind("news_v2"), true, "news_v2"},
		{"InvalidEmptySubscription", consent.CommunicationKind(""), false, ""},
		{"InvalidSubscriptionID", consent.CommunicationKind("a b"), false, ""},
		{"InvalidUnknown", "marketing", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.valid, tt.kind.Valid())
			sub, ok := tt.kind.Subscription()
			require.Equal(t, tt.sub != "", ok)
			require.Equal(t, tt.sub, sub)
		})
	}
}

func TestTextHash(t *testing.T) {
	require.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", consent.TextHash(""))
	require.Equal(t, "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969", consent.TextHash("Hello"))
	require.NotEqual(t, consent.TextHash("I agree"), consent.TextHash("I agree "), "every byte counts")
}

func TestTexts(t *testing.T) {
	sender := consent.Sender{Company: "Acme"}
	t.Run("DefaultsInSwedish", func(t *testing.T) {
		s := consent.Defaults()
		s.Processing.PrivacyPolicyURL = "/integritet"
		got := s.Texts(nil, sv, sender)
		require.Equal(t, consent.Default(sv, consent.KeyCookieText), got.Cookies)
		require.Contains(t, got.Processing, "[integritetspolicy](/integritet)")
		require.Empty(t, got.Communication)
	})
	t.Run("LegitimateInterestWithoutURL", func(t *testing.T) {
		s := consent.Defaults()
		s.Processing.Kind = consent.ProcessingLegitimateInterest
		got := s.Texts(nil, en, sender)
		require.Equal(t, consent.Default(en, consent.KeyProcessingLegitimateText), got.Processing)
		segs := consent.Segments(got.Processing)
		require.Len(t, segs, 1, "the unfilled link is plain text")
	})
	t.Run("HostTextsAndOverrides", func(t *testing.T) {
		s := consent.Defaults()
		s.Cookies.Text = "Cookies? [More](/cookies)"
		s.Processing.Enabled = false
		s.Communication.Enabled = true
		s.Communication.Subscriptions = []consent.Subscription{{ID: "news", Label: "Newsletter"}, {ID: "offers"}}
		c := &consent.Catalog{Overrides: map[string]map[consent.Key]string{"de": {consent.KeyCommunicationLabel: "Post von {name}"}}}
		got := s.Texts(c, de, sender)
		require.Equal(t, consent.Texts{
			Cookies: "Cookies? [More](/cookies)",
			Communication: []consent.Checkbox{
				{Kind: "communication:news", Label: "Newsletter"},
				{Kind: "communication:offers", Label: "Post von Acme"},
			},
		}, got)
		b, err := json.Marshal(got)
		require.NoError(t, err)
		require.JSONEq(t, `{"cookies":"Cookies? [More](/cookies)","communication":[
			{"kind":"communication:news","label":"Newsletter"},{"kind":"communication:offers","label":"Post von Acme"}]}`, string(b))
	})
	t.Run("NothingWhenDisabled", func(t *testing.T) {
		require.Equal(t, consent.Texts{}, consent.Settings{}.Texts(nil, en, sender))
	})
}

func TestSettingsJSON(t *testing.T) {
	s := consent.Defaults()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `{
		"cookies": {"enabled": true, "when": "before_chat", "text": ""},
		"processing": {"enabled": true, "kind": "explicit", "text": "", "privacyPolicyUrl": ""},
		"communication": {"enabled": false, "subscriptions": null, "label": ""},
		"marketingContacts": false
	}`, string(b))
}
