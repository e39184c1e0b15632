// Package consent is what a chat asks its visitors to agree to, and every
// text the chat shows them, in English, Swedish, German, French and
// Spanish.
//
// A chat's [Settings] ask for three consents:
//
//   - cookies ([Cookies]): the widget asks before it stores anything
//     persistent, before the chat or when the visitor starts to leave;
//   - processing ([Processing]) of the data shared in the chat, either
//     [ProcessingExplicit] ("I agree" before the first message) or
//     [ProcessingLegitimateInterest] (the text is shown; chatting implies
//     consent);
//   - communication ([Communication]): one optional checkbox per
//     subscription type of the host.
//
// The entry points are:
//
//   - [Defaults] and [Settings.Validate], which reports every problem at
//     once as [Errors] with JSON paths ("communication.subscriptions[1].id");
//   - [Match], the language of a visitor's chat from their browser and
//     the chatflow's language;
//   - [Catalog], the default text of every [Key] in each of [Languages]
//     with the host's overrides, and [Default], the text an override
//     replaces;
//   - [Settings.Texts], the consent texts a visitor is shown, and
//     [CommunicationLabel], the default checkbox label;
//   - [Segments], which splits a text into plain text and safe
//     [label](url) links, so the widget never renders a text as HTML;
//   - [Required], the consents a visitor must give before sending,
//     [Implied], those given by starting to chat, and [Record] with
//     [TextHash], what the server stores for each consent given or
//     withdrawn.
//
// The package is a pure leaf: no I/O, no goroutines, no clock. It never
// imports the root livechat package; the root stores records and maps its
// visitors onto these values.
package consent
