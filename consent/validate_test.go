package consent_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/consent"
)

func TestValidate(t *testing.T) {
	subs := func(s ...consent.Subscription) []consent.Subscription { return s }
	tests := []struct {
		name   string
		change func(s *consent.Settings)
		want   consent.Errors // nil: valid
	}{
		{"OKDefaults", func(s *consent.Settings) {}, nil},
		{"OKOnExitLegitimateInterest", func(s *consent.Settings) {
			s.Cookies.When = consent.BannerOnExit
			s.Processing.Kind = consent.ProcessingLegitimateInterest
		}, nil},
		{"OKTextsWithLinks", func(s *consent.Settings) {
			s.Cookies.Text = "We use [cookies](/cookies)."
			s.Processing.Text = "Read our [policy]({privacyPolicyUrl}) and [terms](https://example.com/terms)."
			s.Processing.PrivacyPolicyURL = "https://example.com/privacy"
		}, nil},
		{"OKMaxLengths", func(s *consent.Settings) {
			s.Cookies.Text = strings.Repeat("é", consent.MaxTextLen)
			s.Communication.Label = strings.Repeat("é", consent.MaxLabelLen)
		}, nil},
		{"OKOneSubscriptionWithoutLabel", func(s *consent.Settings) {
			s.Communication.Enabled = true
			s.Communication.Subscriptions = subs(consent.Subscription{ID: "newsletter"})
		}, nil},
		{"OKSubscriptionsLabelled", func(s *consent.Settings) {
			s.Communication.Enabled = true
			s.Communication.Subscriptions = subs(
				consent.Subscription{ID: "news_v2", Label: "Newsletter"},
				consent.Subscription{ID: "offers_1-a", Label: "Offers"})
		}, nil},
		{"OKDisabledWithoutSubscriptions", func(s *consent.Settings) { s.Communication.Enabled = false }, nil},

		{"ErrZero", func(s *consent.Settings) { *s = consent.Settings{} }, consent.Errors{
			{Path: "cookies.when", Message: "must be one of before_chat, on_exit"},
			{Path: "processing.kind", Message: "must be one of explicit, legitimate_interest"},
		}},
		{"ErrWhen", func(s *consent.Settings) { s.Cookies.When = "always" },
			consent.Errors{{Path: "cookies.when", Message: "must be one of before_chat, on_exit"}}},
		{"ErrCookieTextTooLong", func(s *consent.Settings) { s.Cookies.Text = strings.Repeat("x", consent.MaxTextLen+1) },
			consent.Errors{{Path: "cookies.text", Message: "must be at most 2000 characters"}}},
		{"ErrProcessingTextUTF8", func(s *consent.Settings) { s.Processing.Text = "bad \xff" },
			consent.Errors{{Path: "processing.text", Message: "must be valid UTF-8"}}},
		{"ErrUnsafeLinkEvenWhenDisabled", func(s *consent.Settings) {
			s.Processing.Enabled = false
			s.Processing.Text = "[policy](javascript:alert(1))"
		}, consent.Errors{{Path: "processing.text", Message: `link URL "javascript:alert(1)" must be http(s) or a path starting with /`}}},
		{"ErrPrivacyPolicyURL", func(s *consent.Settings) { s.Processing.PrivacyPolicyURL = "javascript:alert(1)" },
			consent.Errors{{Path: "processing.privacyPolicyUrl", Message: "must be an http(s) URL or a path starting with /, up to 2048 characters, without spaces"}}},
		{"ErrPrivacyPolicyURLUnbalanced", func(s *consent.Settings) { s.Processing.PrivacyPolicyURL = "https://example.com/a)b" },
			consent.Errors{{Path: "processing.privacyPolicyUrl", Message: "must be an http(s) URL or a path starting with /, up to 2048 characters, without spaces"}}},
		{"ErrEnabledWithoutSubscriptions", func(s *consent.Settings) { s.Communication.Enabled = true },
			consent.Errors{{Path: "communication.subscriptions", Message: "at least one when enabled"}}},
		{"ErrTooManySubscriptions", func(s *consent.Settings) {
			s.Communication.Subscriptions = make([]consent.Subscription, consent.MaxSubscriptions+1)
		}, consent.Errors{{Path: "communication.subscriptions", Message: "at most 20"}}},
		{"ErrSubscriptionIDs", func(s *consent.Settings) {
			s.Communication.Subscriptions = subs(
				consent.Subscription{ID: "news", Label: "News"},
				consent.Subscription{ID: "", Label: "Empty"},
				consent.Subscription{ID: "a b", Label: "Space"},
				consent.Subscription{ID: "news", Label: "Again"},
				consent.Subscription{ID: strings.Repeat("x", consent.MaxIDLen+1), Label: "Long"})
		}, consent.Errors{
			{Path: "communication.subscriptions[1].id", Message: "required"},
			{Path: "communication.subscriptions[2].id", Message: "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'"},
			{Path: "communication.subscriptions[3].id", Message: "duplicate"},
			{Path: "communication.subscriptions[4].id", Message: "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'"},
		}},
		{"ErrSubscriptionLabels", func(s *consent.Settings) {
			s.Communication.Subscriptions = subs(
				consent.Subscription{ID: "a", Label: "A"},
				consent.Subscription{ID: "b"},
				consent.Subscription{ID: "c", Label: strings.Repeat("x", consent.MaxLabelLen+1)})
			s.Communication.Label = "\xff"
		}, consent.Errors{
			{Path: "communication.subscriptions[1].label", Message: "required when there is more than one subscription"},
			{Path: "communication.subscriptions[2].label", Message: "must be at most 500 characters"},
			{Path: "communication.label", Message: "must be valid UTF-8"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := consent.Defaults()
			tt.change(&s)
			err := s.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var errs consent.Errors
			require.True(t, errors.As(err, &errs), "got %v", err)
			require.Equal(t, tt.want, errs)
		})
	}
}
