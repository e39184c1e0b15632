package flow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *flow.Chatflow)
		want   flow.Errors // nil: valid
	}{
		{"OK", func(c *flow.Chatflow) {}, nil},
		{"OKIDAt64", func(c *flow.Chatflow) { c.ID = strings.Repeat("a", 64) }, nil},
		{"OKNameAt100Runes", func(c *flow.Chatflow) { c.Name = strings.Repeat("é", 100) }, nil},
		{"OKPriorityAtLimits", func(c *flow.Chatflow) { c.Priority = -1_000_000 }, nil},
		{"OKTriggersAtLimits", func(c *flow.Chatflow) {
			c.Display.Desktop.Triggers = flow.Triggers{SecondsOnPage: 3600, ScrollPercent: 100}
		}, nil},
		{"OKOpenOnTriggerWithExitIntent", func(c *flow.Chatflow) {
			c.Display.Desktop = flow.Desktop{Behavior: "open_on_trigger", Triggers: flow.Triggers{ExitIntent: true}}
		}, nil},
		{"OKEmptyWelcomeWithLaunchers", func(c *flow.Chatflow) {
			c.Build.Welcome = ""
			c.Display.Desktop.Behavior = "launcher"
		}, nil},
		{"OKSitePathAvatar", func(c *flow.Chatflow) {
			c.Display.Heading = flow.Heading{Kind: "brand", BrandName: "Acme", BrandAvatarURL: "/img/acme.png"}
		}, nil},
		{"OKBrandFieldsKeptForOtherKinds", func(c *flow.Chatflow) {
			c.Display.Heading = flow.Heading{Kind: "owner", BrandName: "Acme", UserIDs: []string{"u1"}}
		}, nil},
		{"OKLanguageWithRegionAndScript", func(c *flow.Chatflow) { c.Options.Language = "zh-Hant-TW" }, nil},

		{"ErrIDCharacters", func(c *flow.Chatflow) { c.ID = "a/b" },
			flow.Errors{{Path: "id", Message: "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'"}}},
		{"ErrIDTooLong", func(c *flow.Chatflow) { c.ID = strings.Repeat("a", 65) },
			flow.Errors{{Path: "id", Message: "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'"}}},
		{"ErrNameRequired", func(c *flow.Chatflow) { c.Name = "" },
			flow.Errors{{Path: "name", Message: "required"}}},
		{"ErrNameBlank", func(c *flow.Chatflow) { c.Name = " \t" },
			flow.Errors{{Path: "name", Message: "required"}}},
		{"ErrNameTooLong", func(c *flow.Chatflow) { c.Name = strings.Repeat("x", 101) },
			flow.Errors{{Path: "name", Message: "must be at most 100 characters"}}},
		{"ErrNameInvalidUTF8", func(c *flow.Chatflow) { c.Name = "a\xffb" },
			flow.Errors{{Path: "name", Message: "must be valid UTF-8"}}},
		{"ErrPriorityTooHigh", func(c *flow.Chatflow) { c.Priority = 1_000_001 },
			flow.Errors{{Path: "priority", Message: "must be -1000000 to 1000000"}}},
		{"ErrCreatedAtOutOfRange", func(c *flow.Chatflow) { c.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
			flow.Errors{{Path: "createdAt", Message: "must be in the years 1 to 9999"}}},
		{"ErrUpdatedAtOutOfRange", func(c *flow.Chatflow) { c.UpdatedAt = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) },
			flow.Errors{{Path: "updatedAt", Message: "must be in the years 1 to 9999"}}},

		{"ErrWelcomeTooLong", func(c *flow.Chatflow) { c.Build.Welcome = strings.Repeat("w", 1001) },
			flow.Errors{{Path: "build.welcome", Message: "must be at most 1000 characters"}}},
		{"ErrWelcomeRequiredByPrompt", func(c *flow.Chatflow) { c.Build.Welcome = "  " },
			flow.Errors{{Path: "build.welcome", Message: "required when display shows it as a prompt"}}},
		{"ErrWelcomeRequiredByMobilePrompt", func(c *flow.Chatflow) {
			c.Build.Welcome = ""
			c.Display.Desktop.Behavior = "launcher"
			c.Display.Mobile.Behavior = "prompt"
		}, flow.Errors{{Path: "build.welcome", Message: "required when display shows it as a prompt"}}},
		{"ErrEmailMode", func(c *flow.Chatflow) { c.Build.EmailCapture.Mode = "sometimes" },
			flow.Errors{{Path: "build.emailCapture.mode", Message: "must be one of never, before_first_message, after_first_message, when_away"}}},
		{"ErrEmailPromptTooLong", func(c *flow.Chatflow) { c.Build.EmailCapture.Prompt = strings.Repeat("p", 501) },
			flow.Errors{{Path: "build.emailCapture.prompt", Message: "must be at most 500 characters"}}},
		{"ErrAssignmentUserBlank", func(c *flow.Chatflow) { c.Build.Assignment.UserIDs = []string{"u1", ""} },
			flow.Errors{{Path: "build.assignment.userIds[1]", Message: "required"}}},
		{"ErrAssignmentTeamDuplicate", func(c *flow.Chatflow) { c.Build.Assignment.TeamIDs = []string{"t1", "t2", "t1"} },
			flow.Errors{{Path: "build.assignment.teamIds[2]", Message: "duplicate"}}},
		{"ErrAssignmentUserControl", func(c *flow.Chatflow) { c.Build.Assignment.UserIDs = []string{"u\n1"} },
			flow.Errors{{Path: "build.assignment.userIds[0]", Message: "must be valid UTF-8 without control characters"}}},
		{"ErrAssignmentUserTooLong", func(c *flow.Chatflow) { c.Build.Assignment.UserIDs = []string{strings.Repeat("u", 129)} },
			flow.Errors{{Path: "build.assignment.userIds[0]", Message: "must be at most 128 characters"}}},
		{"ErrAssignmentTooManyUsers", func(c *flow.Chatflow) { c.Build.Assignment.UserIDs = make([]string, 101) },
			flow.Errors{{Path: "build.assignment.userIds", Message: "at most 100"}}},
		{"ErrStrategy", func(c *flow.Chatflow) { c.Build.Assignment.Strategy = "" },
			flow.Errors{{Path: "build.assignment.strategy", Message: "must be one of round_robin, least_busy, contact_owner, skills"}}},
		{"ErrKnowledgeBaseIDTooLong", func(c *flow.Chatflow) { c.Build.KnowledgeBase.BaseID = strings.Repeat("k", 129) },
			flow.Errors{{Path: "build.knowledgeBase.baseId", Message: "must be at most 128 characters"}}},

		{"ErrTargetRule", func(c *flow.Chatflow) {
			c.Target.Groups = []targeting.Group{{Rules: []targeting.Rule{
				{Field: "path", Op: "starts_with", Value: "/pricing"},
				{Field: "path", Op: "", Value: "/x"},
			}}}
		}, flow.Errors{{Path: "target.groups[0].rules[1].op", Message: "required"}}},
		{"ErrTargetExclude", func(c *flow.Chatflow) {
			c.Target.Exclude = []targeting.Rule{{Field: "colour", Op: "is", Value: "red"}}
		}, flow.Errors{{Path: "target.exclude[0].field", Message: `unknown field "colour"`}}},

		{"ErrAccentColorName", func(c *flow.Chatflow) { c.Display.AccentColor = "blue" },
			flow.Errors{{Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrAccentColorShort", func(c *flow.Chatflow) { c.Display.AccentColor = "#fff" },
			flow.Errors{{Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrAccentColorNotHex", func(c *flow.Chatflow) { c.Display.AccentColor = "#2f6fez" },
			flow.Errors{{Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrHeadingKind", func(c *flow.Chatflow) { c.Display.Heading.Kind = "bot" },
			flow.Errors{{Path: "display.heading.kind", Message: "must be one of agents, owner, brand"}}},
		{"ErrHeadingTitleTooLong", func(c *flow.Chatflow) { c.Display.Heading.Title = strings.Repeat("t", 101) },
			flow.Errors{{Path: "display.heading.title", Message: "must be at most 100 characters"}}},
		{"ErrHeadingSubtitleTooLong", func(c *flow.Chatflow) { c.Display.Heading.Subtitle = strings.Repeat("s", 201) },
			flow.Errors{{Path: "display.heading.subtitle", Message: "must be at most 200 characters"}}},
		{"ErrHeadingUserBlank", func(c *flow.Chatflow) { c.Display.Heading.UserIDs = []string{""} },
			flow.Errors{{Path: "display.heading.userIds[0]", Message: "required"}}},
		{"ErrHeadingTeamDuplicate", func(c *flow.Chatflow) { c.Display.Heading.TeamIDs = []string{"a", "a"} },
			flow.Errors{{Path: "display.heading.teamIds[1]", Message: "duplicate"}}},
		{"ErrBrandNameRequired", func(c *flow.Chatflow) { c.Display.Heading.Kind = "brand" },
			flow.Errors{{Path: "display.heading.brandName", Message: "required"}}},
		{"ErrBrandNameTooLong", func(c *flow.Chatflow) {
			c.Display.Heading = flow.Heading{Kind: "brand", BrandName: strings.Repeat("b", 101)}
		}, flow.Errors{{Path: "display.heading.brandName", Message: "must be at most 100 characters"}}},
		{"ErrBrandAliasWithoutBrand", func(c *flow.Chatflow) { c.Display.Heading.BrandAlias = true },
			flow.Errors{{Path: "display.heading.brandAlias", Message: "only with kind brand"}}},
		{"ErrBrandAvatarJavascript", func(c *flow.Chatflow) { c.Display.Heading.BrandAvatarURL = "javascript:alert(1)" },
			flow.Errors{{Path: "display.heading.brandAvatarUrl", Message: "must be an http(s) URL or a path starting with /, up to 2048 characters"}}},
		{"ErrBrandAvatarProtocolRelative", func(c *flow.Chatflow) { c.Display.Heading.BrandAvatarURL = "//evil.example/a.png" },
			flow.Errors{{Path: "display.heading.brandAvatarUrl", Message: "must be an http(s) URL or a path starting with /, up to 2048 characters"}}},
		{"ErrBrandAvatarRelative", func(c *flow.Chatflow) { c.Display.Heading.BrandAvatarURL = "logo.png" },
			flow.Errors{{Path: "display.heading.brandAvatarUrl", Message: "must be an http(s) URL or a path starting with /, up to 2048 characters"}}},
		{"ErrDesktopBehavior", func(c *flow.Chatflow) { c.Display.Desktop.Behavior = "popup" },
			flow.Errors{{Path: "display.desktop.behavior", Message: "must be one of prompt, launcher, open_on_trigger"}}},
		{"ErrSecondsOnPageNegative", func(c *flow.Chatflow) { c.Display.Desktop.Triggers.SecondsOnPage = -1 },
			flow.Errors{{Path: "display.desktop.triggers.secondsOnPage", Message: "must be 0 to 3600"}}},
		{"ErrSecondsOnPageTooHigh", func(c *flow.Chatflow) { c.Display.Desktop.Triggers.SecondsOnPage = 3601 },
			flow.Errors{{Path: "display.desktop.triggers.secondsOnPage", Message: "must be 0 to 3600"}}},
		{"ErrScrollPercentTooHigh", func(c *flow.Chatflow) { c.Display.Desktop.Triggers.ScrollPercent = 101 },
			flow.Errors{{Path: "display.desktop.triggers.scrollPercent", Message: "must be 0 to 100"}}},
		{"ErrOpenOnTriggerWithoutTrigger", func(c *flow.Chatflow) { c.Display.Desktop.Behavior = "open_on_trigger" },
			flow.Errors{{Path: "display.desktop.triggers", Message: "open_on_trigger needs at least one trigger"}}},
		{"ErrMobileBehavior", func(c *flow.Chatflow) { c.Display.Mobile.Behavior = "open_on_trigger" },
			flow.Errors{{Path: "display.mobile.behavior", Message: "must be one of prompt, launcher"}}},

		{"ErrAvailabilityMode", func(c *flow.Chatflow) { c.Availability.Mode = "never" },
			flow.Errors{{Path: "availability.mode", Message: "must be one of agents, office_hours, always"}}},
		{"ErrReplyTime", func(c *flow.Chatflow) { c.Availability.Available.ReplyTime = "week" },
			flow.Errors{{Path: "availability.available.replyTime", Message: "must be one of minutes, hour, hours, day"}}},

		{"ErrLanguageRequired", func(c *flow.Chatflow) { c.Options.Language = "" },
			flow.Errors{{Path: "options.language", Message: "required"}}},
		{"ErrLanguageNotBCP47", func(c *flow.Chatflow) { c.Options.Language = "english!" },
			flow.Errors{{Path: "options.language", Message: "not a BCP 47 tag"}}},
		{"OKFilesOffWithoutTypes", func(c *flow.Chatflow) { c.Options.Files = flow.Files{MaxSize: 1} }, nil},
		{"ErrFilesMaxSize", func(c *flow.Chatflow) { c.Options.Files.MaxSize = 50<<20 + 1 },
			flow.Errors{{Path: "options.files.maxSize", Message: "must be 1 to 52428800 bytes"}}},
		{"ErrFilesNoTypes", func(c *flow.Chatflow) { c.Options.Files.Types = nil },
			flow.Errors{{Path: "options.files.types", Message: "at least one type when files are enabled"}}},
		{"ErrFilesTypes", func(c *flow.Chatflow) {
			c.Options.Files.Types = []string{"image/png", "image/svg+xml", "text/html", "image/png"}
		},
			flow.Errors{
				{Path: "options.files.types[1]", Message: "must be one of image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, application/zip"},
				{Path: "options.files.types[2]", Message: "must be one of image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, application/zip"},
				{Path: "options.files.types[3]", Message: "duplicate"},
			}},
		{"ErrPropertyName", func(c *flow.Chatflow) {
			c.Options.ConversationProperties = map[string]string{"ok": "1", "bad key": "2"}
		},
			flow.Errors{{Path: `options.conversationProperties["bad key"]`, Message: "name must be 1 to 64 of A-Z, a-z, 0-9, '_', '-' and '.'"}}},
		{"ErrPropertyValueTooLong", func(c *flow.Chatflow) {
			c.Options.ConversationProperties = map[string]string{"plan": strings.Repeat("v", 1001)}
		}, flow.Errors{{Path: "options.conversationProperties.plan", Message: "must be at most 1000 characters"}}},
		{"ErrTooManyProperties", func(c *flow.Chatflow) {
			c.Options.ConversationProperties = map[string]string{}
			for i := range 51 {
				c.Options.ConversationProperties[strings.Repeat("k", i+1)] = ""
			}
		}, flow.Errors{{Path: "options.conversationProperties", Message: "at most 50"}}},
		{"ErrSurveyIDTooLong", func(c *flow.Chatflow) { c.Options.SurveyID = strings.Repeat("s", 129) },
			flow.Errors{{Path: "options.surveyId", Message: "must be at most 128 characters"}}},
		{"ErrProcessingKind", func(c *flow.Chatflow) { c.Options.Consent.Processing.Kind = "implied" },
			flow.Errors{{Path: "options.consent.processing.kind", Message: "must be one of explicit, legitimate_interest"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := flow.New("Support")
			tt.change(c)
			err := c.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.want, err)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := flow.New("")
	c.ID = "no spaces"
	c.Display.AccentColor = "red"
	c.Display.Desktop = flow.Desktop{Behavior: "open_on_trigger", Triggers: flow.Triggers{ScrollPercent: 150}}
	c.Target.Groups = []targeting.Group{{}}
	c.Options.Language = "??"

	err := c.Validate()
	var errs flow.Errors
	require.ErrorAs(t, err, &errs)
	require.Equal(t, flow.Errors{
		{Path: "id", Message: "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'"},
		{Path: "name", Message: "required"},
		{Path: "target.groups[0].rules", Message: "a group needs at least one rule"},
		{Path: "display.accentColor", Message: "must be #rrggbb"},
		{Path: "display.desktop.triggers.scrollPercent", Message: "must be 0 to 100"},
		{Path: "options.language", Message: "not a BCP 47 tag"},
	}, errs)
	require.Equal(t, "id: must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'; name: required; "+
		"target.groups[0].rules: a group needs at least one rule; display.accentColor: must be #rrggbb; "+
		"display.desktop.triggers.scrollPercent: must be 0 to 100; options.language: not a BCP 47 tag", err.Error())
}

func TestValidateNilChatflow(t *testing.T) {
	var c *flow.Chatflow
	var errs flow.Errors
	require.True(t, errors.As(c.Validate(), &errs))
}
