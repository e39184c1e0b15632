package flow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestNew(t *testing.T) {
	want := &flow.Chatflow{
		Name:    "Support",
		Enabled: true,
		Build: flow.Build{
			Welcome:      "Hi! How can we help you today?",
			EmailCapture: flow.EmailCapture{Mode: "when_away", Prompt: flow.DefaultEmailPrompt},
			Assignment:   flow.Assignment{Strategy: "round_robin"},
		},
		Display: flow.Display{
			AccentColor: "#2f6fed",
			Heading:     flow.Heading{Kind: "agents", Title: "Chat with us"},
			Desktop:     flow.Desktop{Behavior: "prompt"},
			Mobile:      flow.Mobile{Behavior: "launcher"},
		},
		Availability: availability.Defaults(),
		Options: flow.Options{
			Language: "en",
			Consent: func() flow.Consent {
				c := consent.Defaults()
				c.Processing.Kind = consent.ProcessingLegitimateInterest
				return c
			}(),
			Files: flow.Files{Enabled: true, MaxSize: 10 << 20, Types: []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}},
		},
	}
	c := flow.New("Support")
	require.Equal(t, want, c)
	require.NoError(t, c.Validate())
}

func TestNewWithoutNameIsInvalid(t *testing.T) {
	err := flow.New("").Validate()
	require.Equal(t, flow.Errors{{Path: "name", Message: "required"}}, err)
}

// full returns a chatflow with every field set to a non-default value.
func full(tb testing.TB) *flow.Chatflow {
	tb.Helper()
	c := &flow.Chatflow{
		ID:        "pricing_2-b",
		Name:      "Pricing – sales",
		Enabled:   false,
		Priority:  -42,
		CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC),
		UpdatedAt: time.Date(2026, 11, 24, 23, 0, 5, 0, time.UTC),
		Build: flow.Build{
			Welcome:       "Hej! Frågor om priser?\nVi svarar gärna.",
			EmailCapture:  flow.EmailCapture{Mode: "before_first_message", Prompt: "Din e-post?"},
			Assignment:    flow.Assignment{UserIDs: []string{"u1", "u2"}, TeamIDs: []string{"sales"}, Strategy: "least_busy"},
			KnowledgeBase: flow.KnowledgeBase{Enabled: true, BaseID: "kb-sv"},
		},
		Target: targeting.Rules{
			Groups: []targeting.Group{
				{Rules: []targeting.Rule{{Field: "path", Op: "starts_with", Value: "/pricing"}}},
				{Rules: []targeting.Rule{
					{Field: "query", Name: "utm_campaign", Op: "is", Value: "spring"},
					{Field: "device", Op: "is", Value: "desktop"},
				}},
			},
			Exclude: []targeting.Rule{{Field: "path", Op: "is", Value: "/privacy"}},
		},
		Display: flow.Display{
			AccentColor: "#AA00ff",
			Heading: flow.Heading{
				Kind: "brand", Title: "Sales", Subtitle: "We reply fast",
				UserIDs: []string{"u3"}, TeamIDs: []string{"t9"},
				BrandName: "Acme", BrandAvatarURL: "https://acme.example/logo.png", BrandAlias: true,
			},
			Desktop: flow.Desktop{Behavior: "open_on_trigger", Triggers: flow.Triggers{ExitIntent: true, SecondsOnPage: 30, ScrollPercent: 50}},
			Mobile:  flow.Mobile{Behavior: "prompt"},
		},
		Availability: func() flow.Availability {
			a := availability.Defaults()
			a.Mode = availability.ModeOfficeHours
			a.OfficeHours.TimeZone = "Europe/Stockholm"
			a.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyHours}
			return a
		}(),
		Options: flow.Options{
			Language:               "sv-SE",
			ConversationProperties: map[string]string{"source": "pricing", "plan.tier": "pro"},
			SurveyID:               "csat-1",
			Consent: func() flow.Consent {
				c := consent.Defaults()
				c.Cookies.Enabled = false
				c.Processing.Kind = consent.ProcessingLegitimateInterest
				return c
			}(),
			Files: flow.Files{MaxSize: 1234, Types: []string{"text/plain", "image/png"}},
		},
	}
	require.NoError(tb, c.Validate())
	return c
}
